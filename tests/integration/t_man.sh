#!/usr/bin/env bash
# The man pages: docs/slapo-*.5.md are the one source, tools/md2man makes
# roff of them that groff reads without a warning, with the sections a man
# page has and every configuration directive of the Markdown; the build's
# pages are what the converter makes of today's Markdown; make install puts
# them into the configured mandir, where man(1) finds them.
. "$(dirname "$0")/../lib.sh"

MD2MAN=$TOP/tools/md2man
PAGES="slapo-bitemporal slapo-oio"
MAN=$T_DIR/man
mkdir -p "$MAN"

render() {   # render ROFF: the page as plain text, one long line a paragraph
  groff -man -Tascii -P-c -P-b -P-u -rLL=400n "$1" 2>/dev/null
}

for p in $PAGES; do
  md=$TOP/docs/$p.5.md
  roff=$MAN/$p.5
  check "$p: md2man converts docs/$p.5.md" "$PY" "$MD2MAN" --version "modir test" "$md" "$roff"
  [ -s "$roff" ] || continue

  warn=$(groff -man -Tutf8 -ww -z "$roff" 2>&1)
  is "$p: groff -man -ww reads the page without a warning" "$warn" ""
  if command -v man >/dev/null 2>&1; then
    warn=$(MANWIDTH=80 man --warnings -l "$roff" 2>&1 >/dev/null)
    is "$p: man --warnings -l renders it without a warning" "$warn" ""
  fi
  if LC_ALL=C grep -q '[^ -~]' "$roff"; then not_ok "$p: the roff is plain ASCII"; else ok "$p: the roff is plain ASCII"; fi
  is "$p: .TH names the page and its section" "$(sed -n 's/^\.TH \([^ ]*\) \([0-9]\) .*/\1(\2)/p' "$roff" | sed 's/\\-/-/g')" \
    "$(echo "$p" | tr a-z A-Z)(5)"

  missing=
  for s in NAME SYNOPSIS DESCRIPTION CONFIGURATION "SEE ALSO"; do
    grep -qx "\.SH \"$s\"" "$roff" || missing="$missing [$s]"
  done
  is "$p: has NAME, SYNOPSIS, DESCRIPTION, CONFIGURATION and SEE ALSO sections" "$missing" ""
  # whatis(1)/mandb(8) read "name \- description" right after .SH NAME
  is "$p: NAME is 'name \\- description'" \
    "$(sed -n '/^\.SH "NAME"/{n;s/ \\- .*//;p;}' "$roff")" "$(echo "$p" | sed 's/-/\\-/g')"
  if command -v lexgrog >/dev/null 2>&1; then
    check "$p: lexgrog finds the whatis entry" sh -c "lexgrog '$roff' | grep -q '\"$p - '"
  fi

  # every directive of the Markdown's CONFIGURATION (a definition term:
  # `directive args` (`olcAttribute`)), and its cn=config attribute, is in
  # the page, as a tagged paragraph of its own
  text=$(render "$roff")
  terms=$(awk '/^## /{c=($0=="## CONFIGURATION")} c && prev ~ /^`/ && /^: /{print prev} {prev=$0}' "$md")
  n=0 miss=
  while IFS= read -r t; do
    [ -n "$t" ] || continue
    d=$(printf '%s' "$t" | sed 's/^`\([^ `]*\).*/\1/')
    a=$(printf '%s' "$t" | sed -n 's/.*(`\(olc[A-Za-z]*\)`).*/\1/p')
    n=$((n+1))
    printf '%s\n' "$text" | grep -q "^ *$d\b.*$a" || miss="$miss $d"
    grep -q "^\.TP" "$roff" || miss="$miss (no .TP)"
  done <<< "$terms"
  if [ "$n" -gt 0 ] && [ -z "$miss" ]; then
    ok "$p: all $n directives of the Markdown CONFIGURATION are in the page, with their olc attribute"
  else
    not_ok "$p: every directive of the Markdown CONFIGURATION is in the page (found $n, missing:$miss)"
  fi

  # the build's page is the converter's output for the Markdown as it is now
  if [ -f "$BUILD/man/$p.5" ]; then
    "$PY" "$MD2MAN" --version "$(sed -n 's/^\.TH [^"]*"[^"]*" "\([^"]*\)".*/\1/p' "$BUILD/man/$p.5" | sed 's/\\-/-/g')" \
      --date "$(sed -n 's/^\.TH [^"]*"\([^"]*\)".*/\1/p' "$BUILD/man/$p.5" | sed 's/\\-/-/g')" "$md" "$MAN/$p.5.now"
    check "$p: the built man/$p.5 is what md2man makes of docs/$p.5.md now" cmp "$BUILD/man/$p.5" "$MAN/$p.5.now"
  else
    not_ok "$p: the build made man/$p.5"
  fi
done

# code blocks keep every character: backslashes, leading dots and quotes,
# dashes and quotes that roff would turn into typographic ones
cat > "$T_DIR/x.5.md" <<'EOF'
# X(5)

## NAME

x — a test page

## SYNOPSIS

```
.leading dot
'leading quote
printf 'a\tb' -- ~/x ^y `z`
```

## DESCRIPTION

A *word*, **strong**, `code`, a [link](https://example.org/) and x(5).

- one
  item
- two

1. uno
2. dos

| a | b |
|---|---|
| `c|d` | e |
EOF
if "$PY" "$MD2MAN" "$T_DIR/x.5.md" "$T_DIR/x.5" 2>"$T_DIR/x.err"; then
  out=$(groff -man -Tascii -P-c -P-b -P-u -ww "$T_DIR/x.5" 2>"$T_DIR/x.warn")
  is "a test page renders without a warning" "$(cat "$T_DIR/x.warn")" ""
  code=$(printf '%s\n' "$out" | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed 's/^ *//')
  case $code in
    *".leading dot"*"'leading quote"*"printf 'a\\tb' -- ~/x ^y \`z\`"*) ok "a code block keeps every character" ;;
    *) not_ok "a code block keeps every character"; printf '%s\n' "$code" | sed 's/^/#   /' ;;
  esac
  flat=$(printf '%s\n' "$out" | tr -s ' \n' '  ')
  case $flat in
    *"A word, strong, code, a link and x(5)."*"one item"*"two"*"1. uno"*"2. dos"*"c|d e"*) ok "emphasis, code, links, lists and tables become text" ;;
    *) not_ok "emphasis, code, links, lists and tables become text"; printf '#   %s\n' "$flat" ;;
  esac
else
  not_ok "md2man converts a test page"; sed 's/^/#   /' "$T_DIR/x.err"
fi
printf '# X(5)\n\n## NAME\n\nx \xe2\x80\x94 y\n\n## DESCRIPTION\n\nan `open code span\n' > "$T_DIR/bad.5.md"
if "$PY" "$MD2MAN" "$T_DIR/bad.5.md" "$T_DIR/bad.5" 2>"$T_DIR/bad.err"; then
  not_ok "md2man refuses Markdown it cannot convert (an unterminated code span)"
else
  check "md2man refuses Markdown it cannot convert (an unterminated code span), saying why" grep -q 'unterminated code span' "$T_DIR/bad.err"
fi

# --- make install puts them into the configured mandir ------------------
mandir=$(make -s --no-print-directory -C "$BUILD" -f Makefile -f - print-mandir <<'EOF'
print-mandir:
	@echo $(mandir)
EOF
)
INST=$T_DIR/inst
if make -C "$BUILD" install DESTDIR="$INST" >"$T_DIR/install.log" 2>&1; then
  ok "make install DESTDIR succeeds"
else
  not_ok "make install DESTDIR succeeds"; tail -5 "$T_DIR/install.log" | sed 's/^/#   /'
fi
for p in $PAGES; do
  check "make install puts $p.5 into $mandir/man5" test -f "$INST$mandir/man5/$p.5"
  if command -v man >/dev/null 2>&1; then
    is "man -w $p finds it in the installed mandir" \
      "$(MANPATH=$INST$mandir man -w "$p" 2>/dev/null)" "$INST$mandir/man5/$p.5"
  fi
done

finish
