#!/usr/bin/python3
# callcycles.py - finds cycles of calls between the module's files.
# Reads the symbols of each compiled object of overlay/ (the PIC objects
# libtool puts in .libs/ for modir.la and libmodir-core.la, as the build's
# Makefile lists them; the embedded LMDB is upstream's and left out),
# draws an edge A -> B when A's object leaves a symbol undefined that B's
# object defines, and prints every strongly connected component of more
# than one file: a cycle, with the symbols that make each of its edges, so
# that one sees what to move.
#
# Only direct symbol references count, and each one does: a call, or a
# function's or variable's address taken by name in another file
# (bitemporal.c putting bt_search.c's bt_op_search in its slap_overinst
# depends on bt_search.c).  What is later called through such a pointer
# (slapd running an overlay's callbacks, the runqueue a task, bitemporal.c
# the listeners registered with bt_listener_add) is no call between files
# and makes no edge: that is how a lower file calls back up without a
# cycle.  Static functions are file-local and make none either.
#
#   callcycles.py BUILD_DIR      exit 0: no cycle; 1: cycles (printed);
#                                2: the module's objects are not built
import os
import re
import subprocess
import sys

# the libraries whose objects are the module's (not libmodir-lmdb.la)
LIBS = ('modir_la', 'libmodir_core_la')


def objects(build):
	"""{source file: PIC object}, for the objects automake links into
	the module (am_*_OBJECTS in the build's Makefile: what is linked now,
	not a stale object left from a file moved away)"""
	try:
		with open(os.path.join(build, 'Makefile')) as f:
			text = f.read().replace('\\\n', ' ')
	except OSError:
		return {}
	found = {}
	for lib in LIBS:
		m = re.search(r'^am_%s_OBJECTS\s*=(.*)$' % lib, text, re.M)
		for lo in ( m.group(1).split() if m else [] ):
			d, f = os.path.split(lo)
			src = os.path.join(d, f[len(lib) + 1:-3] + '.c')
			found[src] = os.path.join(build, d, '.libs', f[:-3] + '.o')
	return found


def symbols(obj):
	"""(defined globals, undefined) of one object, from nm -P"""
	out = subprocess.run(['nm', '-P', obj], check=True,
			capture_output=True, text=True).stdout
	defined, undefined = set(), set()
	for line in out.splitlines():
		f = line.split()
		if len(f) < 2:
			continue
		if f[1] == 'U':
			undefined.add(f[0])
		elif f[1] in 'BCDGRSTVW':	# global, defined here
			defined.add(f[0])
	return defined, undefined


def graph(objs):
	"""{A: {B: [symbols A takes from B]}}"""
	syms = {src: symbols(o) for src, o in objs.items()}
	owner = {}
	for src, (defined, _) in syms.items():
		for s in defined:
			owner[s] = src
	edges = {src: {} for src in syms}
	for src, (_, undefined) in syms.items():
		for s in sorted(undefined):
			b = owner.get(s)
			if b is not None and b != src:
				edges[src].setdefault(b, []).append(s)
	return edges


def sccs(edges):
	"""Tarjan's strongly connected components"""
	index, low, stack, on, out = {}, {}, [], set(), []

	def visit(v):
		index[v] = low[v] = len(index)
		stack.append(v)
		on.add(v)
		for w in sorted(edges[v]):
			if w not in index:
				visit(w)
				low[v] = min(low[v], low[w])
			elif w in on:
				low[v] = min(low[v], index[w])
		if low[v] == index[v]:
			comp = []
			while True:
				w = stack.pop()
				on.discard(w)
				comp.append(w)
				if w == v:
					break
			out.append(sorted(comp))

	for v in sorted(edges):
		if v not in index:
			visit(v)
	return out


def main():
	build = sys.argv[1] if len(sys.argv) > 1 else '.'
	objs = objects(build)
	missing = [o for o in objs.values() if not os.path.exists(o)]
	if not objs or missing:
		print('callcycles: the objects of the module are not built in %s: %s'
			% (build, ' '.join(missing)))
		return 2
	edges = graph(objs)
	cycles = [c for c in sccs(edges) if len(c) > 1]
	for c in cycles:
		print('cycle: ' + ' '.join(c))
		for a in c:
			for b in c:
				if b in edges[a]:
					print('  %s -> %s: %s' % (a, b, ' '.join(edges[a][b])))
	return 1 if cycles else 0


if __name__ == '__main__':
	sys.exit(main())
