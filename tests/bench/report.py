#!/usr/bin/python3
"""tests/bench/report.py - bookkeeping for tests/bench/run.sh.

  report.py meta CONFIG DIR key=value...   one JSON line: the load figures
      plus page counts per LMDB table from DIR/mdb_stat_*.txt
  report.py summary RUNS META OUT key=value...   medians over rounds, the
      A/B/C table with ratios and targets; writes OUT (JSON), prints text
"""
import json
import re
import statistics
import sys


def kv(args):
    out = {}
    for a in args:
        k, _, v = a.partition("=")
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


def parse_mdb_stat(path):
    """{table: pages} from `mdb_stat -a`, plus env info from `mdb_stat -ef`."""
    tables, env, cur = {}, {}, None
    try:
        text = open(path).read()
    except OSError:
        return tables, env
    for line in text.splitlines():
        m = re.match(r"Status of (.*)$", line)
        if m:
            cur = m.group(1)
            tables[cur] = {"pages": 0, "entries": 0}
            continue
        m = re.match(r"\s+(Branch|Leaf|Overflow) pages: (\d+)", line)
        if m and cur:
            tables[cur]["pages"] += int(m.group(2))
            continue
        m = re.match(r"\s+Entries: (\d+)", line)
        if m and cur:
            tables[cur]["entries"] = int(m.group(1))
            continue
        m = re.match(r"\s+(Page size|Number of pages used|Free pages): (\d+)", line)
        if m:
            env[m.group(1)] = int(m.group(2))
    return tables, env


def meta(config, d, args):
    m = {"config": config}
    m.update(kv(args))
    m["load_total_s"] = round(m.get("slapadd_s", 0) + m.get("start_s", 0) + m.get("replay_s", 0), 2)
    tables, _ = parse_mdb_stat(d + "/mdb_stat_all.txt")
    _, env = parse_mdb_stat(d + "/mdb_stat_env.txt")
    if tables:
        psize = env.get("Page size", 4096)
        side = sum(t["pages"] for n, t in tables.items() if n.startswith("modir_bt_"))
        main = sum(t["pages"] for n, t in tables.items() if not n.startswith("modir_bt_"))
        m["page_size"] = psize
        m["pages_used"] = env.get("Number of pages used")
        m["pages_free"] = env.get("Free pages")
        m["main_tables_mb"] = round(main * psize / 2**20, 2)
        m["side_tables_mb"] = round(side * psize / 2**20, 2)
        m["tables"] = {n: t for n, t in tables.items() if n != "Main DB"}
    print(json.dumps(m))


WORKLOADS = [
    ("phonebook", "phone-book substring search"),
    ("fullsync", "IAM full sync (paged 500)"),
    ("base", "base lookup by DN"),
    ("modify", "modify description"),
    ("modify-1", "modify, one connection (no target)"),
    ("modify-first", "modify, first s after the load (no target)"),
    ("modify-future", "modify, future validity"),
    ("asof-base", "as-of base lookup"),
    ("asof-fullsync", "as-of full sync (-2 years)"),
    ("asof-base-random", "as-of base lookup, new random date each"),
    ("asof-fullsync-random", "as-of full sync, new random date each"),
    ("mixed", "mixed, 50 clients, as-of at random dates"),
    ("mixed-plain", "mixed, 50 clients, as-of clients idle"),
    ("event", "scheduled change -> live (ms after due)"),
]
CONFIGS = ["A", "B", "C"]


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, nd=1):
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return round(a / b, 3)


def paired(runs, w, other, key="ops_per_s"):
    """C's figure over the other's, round by round (rounds both ran)."""
    by = {}
    for r in runs:
        if r["workload"] == w and r.get("round", 0) > 0 and r["config"] in ("C", other):
            by.setdefault(r["round"], {})[r["config"]] = r.get(key)
    return [v["C"] / v[other] for _, v in sorted(by.items())
            if v.get("C") is not None and v.get(other)]


def summary(runs_path, meta_path, out_path, args):
    runs = [json.loads(l) for l in open(runs_path) if l.strip()]
    metas = {}
    for l in open(meta_path):
        if l.strip():
            d = json.loads(l)
            metas.setdefault(d["config"], {}).update(d)
    res = {"setup": kv(args), "workloads": {}, "load": metas, "targets": [], "runs": runs}

    for w, _ in WORKLOADS:
        row = {}
        for c in CONFIGS:
            rs = [r for r in runs if r["config"] == c and r["workload"] == w]
            if not rs:
                row[c] = None
                continue
            row[c] = {
                "rounds": len(rs),
                "ops_per_s": round(med([r["ops_per_s"] for r in rs]), 2),
                "p50_ms": round(med([r["p50_ms"] for r in rs]), 3),
                "p99_ms": round(med([r["p99_ms"] for r in rs]), 3),
                "max_ms": round(max(r["max_ms"] for r in rs), 3),
                "entries_per_op": round(med([r["entries_per_op"] for r in rs]), 1),
                "disk_kb_per_commit": (round(med([r["disk_kb_per_commit"] for r in rs if r.get("disk_kb_per_commit") is not None]), 1)
                                       if any(r.get("disk_kb_per_commit") is not None for r in rs) else None),
                "cpu_ms_per_op": (round(med([r["cpu_ms_per_op"] for r in rs if r.get("cpu_ms_per_op") is not None]), 3)
                                  if any(r.get("cpu_ms_per_op") is not None for r in rs) else None),
                "writes_per_commit": (round(med([r["writes_per_commit"] for r in rs if r.get("writes_per_commit") is not None]), 2)
                                      if any(r.get("writes_per_commit") is not None for r in rs) else None),
                "errors": sum(r["errors"] for r in rs),
                "slow_ops": sum(r.get("slow_ops", 0) for r in rs),
            }
            for k in ("plain_ops_per_s", "plain_p50_ms", "plain_p99_ms",
                      "history_ops_per_s", "history_p50_ms", "history_p99_ms"):
                if any(r.get(k) is not None for r in rs):
                    row[c][k] = round(med([r[k] for r in rs if r.get(k) is not None]), 3)
            errs = [r.get("first_error") for r in rs if r.get("first_error")]
            if errs:
                row[c]["first_error"] = errs[0]
        ops = {c: (row[c] or {}).get("ops_per_s") for c in CONFIGS}
        row["C/A"] = ratio(ops["C"], ops["A"])
        row["C/B"] = ratio(ops["C"], ops["B"])
        # The rounds alternate A B C with the same seed per round, so each
        # round is a pair; the median of the per-round ratios is steadier
        # than the ratio of medians when the VM drifts between rounds.
        for other in ("A", "B"):
            per = paired(runs, w, other)
            if per:
                row[f"C/{other} per round"] = [round(x, 3) for x in per]
                row[f"C/{other} paired"] = round(med(per), 3)
        cpu = paired(runs, w, "A", "cpu_ms_per_op")
        if cpu:
            row["C/A CPU per op paired"] = round(med(cpu), 3)
        res["workloads"][w] = row

    W = res["workloads"]

    def get(w, c, k):
        return (W.get(w, {}).get(c) or {}).get(k)

    def target(name, value, op, limit):
        met = None if value is None else (value >= limit if op == ">=" else value <= limit)
        res["targets"].append({"target": name, "value": value, "op": op, "limit": limit, "met": met})

    for w in ("phonebook", "fullsync", "base"):
        target(f"{w}: C/A ops/s", W[w]["C/A"], ">=", 0.97)
    target("modify: C/B ops/s", W["modify"]["C/B"], ">=", 1.2)
    target("modify: C/A ops/s", W["modify"]["C/A"], ">=", 0.85)
    target("as-of full sync p50 / current full sync p50 (C)",
           ratio(get("asof-fullsync", "C", "p50_ms"), get("fullsync", "C", "p50_ms")), "<=", 2.0)
    target("as-of base p50 / current base p50 (C)",
           ratio(get("asof-base", "C", "p50_ms"), get("base", "C", "p50_ms")), "<=", 1.5)
    target("as-of base at a new random date p50 / current base p50 (C)",
           ratio(get("asof-base-random", "C", "p50_ms"), get("base", "C", "p50_ms")), "<=", 1.5)
    target("as-of full sync at a new random date p50 / current full sync p50 (C)",
           ratio(get("asof-fullsync-random", "C", "p50_ms"), get("fullsync", "C", "p50_ms")), "<=", 2.0)
    target("mixed, 50 clients: plain clients' ops/s with the as-of clients / without",
           ratio(get("mixed", "C", "plain_ops_per_s"), get("mixed-plain", "C", "plain_ops_per_s")), ">=", 0.9)
    mx = W.get("mixed", {}).get("C")
    target("mixed, 50 clients: errors and operations of 30 s or more",
           None if mx is None else mx["errors"] + mx["slow_ops"], "<=", 0)
    mc = metas.get("C", {})
    if mc.get("main_tables_mb"):
        target("side tables / main DB (C, pages)",
               ratio(mc.get("side_tables_mb"), mc.get("main_tables_mb")), "<=", 1.5)
    else:
        target("side tables / main DB (C, pages)", None, "<=", 1.5)
    ev = get("event", "C", "max_ms")
    target("event latency after due time, worst sample (s)",
           None if ev is None else round(ev / 1000.0, 3), "<=", 1.0)

    with open(out_path, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")

    # --- text ---
    s = res["setup"]
    print()
    print(f"modir benchmark: {s.get('employees')} employees, {s.get('entries')} entries, "
          f"{s.get('changes')} history changes; {s.get('rounds')} rounds x {s.get('duration')} s "
          f"(+{s.get('warmup')} s warm-up), {s.get('conns')} connections "
          f"({s.get('sync_conns')} for full syncs, {s.get('mixed_conns')} for the mixed load); figures are medians of the rounds")
    print(f"  as-of point {s.get('asof')}")
    print()
    hdr = f"{'workload':<42} {'A ops/s':>9} {'B ops/s':>9} {'C ops/s':>9} {'C/A':>6} {'C/B':>6}   " \
          f"{'p50 A/B/C ms':>24}   {'p99 A/B/C ms':>24}   {'slapd CPU ms/op A/B/C':>24}"
    print(hdr)
    print("-" * len(hdr))
    for w, title in WORKLOADS:
        row = W[w]
        if all(row[c] is None for c in CONFIGS):
            continue
        o = [fmt(get(w, c, "ops_per_s")) for c in CONFIGS]
        p50 = "/".join(fmt(get(w, c, "p50_ms"), 2) for c in CONFIGS)
        p99 = "/".join(fmt(get(w, c, "p99_ms"), 2) for c in CONFIGS)
        cpu = "/".join(fmt(get(w, c, "cpu_ms_per_op"), 3) for c in CONFIGS)
        if w == "event":
            o = ["n/a", "n/a", "n/a"]
        print(f"{title:<42} {o[0]:>9} {o[1]:>9} {o[2]:>9} {fmt(row['C/A'], 2):>6} {fmt(row['C/B'], 2):>6}   "
              f"{p50:>24}   {p99:>24}   {cpu:>24}")
    pr = [(w, W[w].get("C/A paired"), W[w].get("C/A per round")) for w, _ in WORKLOADS
          if W.get(w, {}).get("C/A per round") and len(W[w]["C/A per round"]) > 1]
    if pr:
        print()
        print("C/A round by round (same seed in a round), median [per round]:")
        for w, m, per in pr:
            print(f"  {w:<14} {fmt(m, 3):>6}  [" + " ".join(fmt(x, 2) for x in per) + "]"
                  f"   slapd CPU per op C/A {fmt(W[w].get('C/A CPU per op paired'), 3)}")
    writes = ("modify", "modify-1", "modify-first", "modify-future")
    kb = {w: [get(w, c, "disk_kb_per_commit") for c in CONFIGS] for w in writes}
    kb = {w: v for w, v in kb.items() if any(x is not None for x in v)}
    if kb:
        print()
        print("disk written per commit (KB, the whole device; A/B/C): " +
              "; ".join(f"{w} " + "/".join(fmt(x, 1) for x in v) for w, v in kb.items()))
    wpc = {w: [get(w, c, "writes_per_commit") for c in CONFIGS] for w in writes}
    wpc = {w: v for w, v in wpc.items() if any(x is not None for x in v)}
    if wpc:
        print("writes per commit (A/B/C; C shares commits between concurrent writes): " +
              "; ".join(f"{w} " + "/".join(fmt(x, 2) for x in v) for w, v in wpc.items()))
    mix = [(w, get(w, "C", "plain_ops_per_s"), get(w, "C", "plain_p99_ms"),
            get(w, "C", "history_ops_per_s"), get(w, "C", "history_p99_ms"), get(w, "C", "slow_ops"))
           for w in ("mixed", "mixed-plain") if get(w, "C", "plain_ops_per_s") is not None]
    if mix:
        print(f"mixed load in C, {s.get('mixed_conns')} clients (7 in 10 plain: base, phone book, dated "
              "modify; 3 in 10 as-of at random dates and history):")
        for w, po, pp, ho, hp, so in mix:
            print(f"  {w:<12} plain {fmt(po, 1)} ops/s (p99 {fmt(pp, 2)} ms), as-of/history "
                  f"{fmt(ho, 1)} ops/s (p99 {fmt(hp, 2)} ms), operations of 30 s or more: {fmt(so)}")
    print()
    print()
    print(f"{'load and size':<34} {'A':>12} {'B':>12} {'C':>12}")
    for k, title in [("slapadd_s", "slapadd -q base (s)"), ("start_s", "first start (s)"),
                     ("replay_s", "history replay (s)"), ("load_total_s", "total load (s)"),
                     ("replay_errors", "history records refused"),
                     ("db_kb", "main env on disk (du, KiB)"), ("accesslog_kb", "accesslog env (du, KiB)"),
                     ("main_tables_mb", "back-mdb tables (MiB, pages)"),
                     ("side_tables_mb", "modir_bt_* tables (MiB, pages)"),
                     ("free_before", "freelist after load (pages)"),
                     ("free_after_settle", "freelist after modify-first (pages)"),
                     ("free_compacted", "freelist after mdb_copy -c (pages)"),
                     ("free_end", "freelist at the end (pages)"),
                     ("rss_kb", "slapd VmRSS after load (KiB)"),
                     ("rss_anon_kb", "slapd RssAnon after load (KiB)"),
                     ("rss_after_kb", "slapd VmRSS after bench (KiB)"),
                     ("rss_anon_after_kb", "slapd RssAnon after bench (KiB)")]:
        vals = [fmt(metas.get(c, {}).get(k), 2) for c in CONFIGS]
        print(f"{title:<34} {vals[0]:>12} {vals[1]:>12} {vals[2]:>12}")
    if mc.get("tables"):
        side = {n: t for n, t in mc["tables"].items() if n.startswith("modir_bt_")}
        if side:
            print("  C side tables: " + ", ".join(
                f"{n} {t['pages'] * mc.get('page_size', 4096) / 2**20:.1f} MiB/{t['entries']} rows"
                for n, t in sorted(side.items())))
    print()
    print("targets (compared, never enforced):")
    for t in res["targets"]:
        met = {True: "met", False: "NOT met", None: "n/a"}[t["met"]]
        print(f"  {t['target']:<52} {fmt(t['value'], 3):>8} {t['op']} {t['limit']:<5} {met}")
    errs = [(w, c, W[w][c]) for w, _ in WORKLOADS for c in CONFIGS if W[w][c] and W[w][c]["errors"]]
    if errs:
        print()
        print("errors during runs:")
        for w, c, r in errs:
            print(f"  {c} {w}: {r['errors']} ({r.get('first_error', '')})")
    print(f"\nJSON: {out_path}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "meta":
        meta(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) >= 5 and sys.argv[1] == "summary":
        summary(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        sys.exit(__doc__)
