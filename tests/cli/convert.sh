#!/usr/bin/env bash
# `memsim convert`: the output format is --to when given, else text for '-'
# (standard output) and for names ending in .mtr or .txt, binary otherwise;
# a compressed OUT is refused.  `memsim capture -o` follows the same rule.
# Test groups: convert-1.x; capture-1.x.
source "$(dirname "$0")/lib.sh" "$@"
M=$MEMSIM
cd "$TMP" || exit 1
printf '1 mmap 0x7e0000000000 2M rw- private,anon,fixed\n1 mark a\n1 W 0x7e0000000000 40K\n@5000 1 R 0x7e0000001000 8\n1 fork 2\n2 exit\n' > hand.mtr
"$M" convert hand.mtr text.mtr && "$M" convert hand.mtr bin.mtb || fail "convert-1.0"
[ "$(head -1 text.mtr)" = "1 mmap 0x7e0000000000 2097152 rw- private,anon,fixed" ] && ok || fail "convert-1.0: $(head -1 text.mtr)"
[ "$(head -c 8 bin.mtb | od -An -c | tr -d ' ')" = '211MSTRACE' ] && ok || fail "convert-1.0: .mtb is not binary"
"$M" convert bin.mtb named.txt && cmp -s named.txt text.mtr && ok || fail "convert-1.0: .txt is not text"
"$M" convert hand.mtr - > stdout.txt 2>err && cmp -s stdout.txt text.mtr && ok || fail "convert-1.1: '-' is not text"
"$M" convert bin.mtb - > stdout2.txt && cmp -s stdout2.txt text.mtr && ok || fail "convert-1.2: binary in, text out"
"$M" convert --to binary hand.mtr - > stdout.mtb && cmp -s stdout.mtb bin.mtb && ok || fail "convert-1.3: --to binary"
"$M" convert hand.mtr out.bin --to text && cmp -s out.bin text.mtr && ok || fail "convert-1.4: --to text"
"$M" convert - piped.mtb < hand.mtr && cmp -s piped.mtb bin.mtb && ok || fail "convert-1.5: stdin to binary"
expect_exit 2 "^memsim: convert: cannot write a compressed trace 'x.mtr.gz'" -- "$M" convert hand.mtr x.mtr.gz
[ ! -e x.mtr.gz ] && ok || fail "convert-1.6: wrote x.mtr.gz"
"$M" convert hand.mtr - | "$M" replay - -q -o r.db && ok || fail "convert-1.7: text on stdout does not replay"
expect_exit 2 "bad value for --to: 'mtrace' \(expected text or binary\)" -- "$M" convert --to mtrace hand.mtr x
"$M" convert --help | grep -q "text when OUT is '-'" && ok || fail "convert-1.8: help"
expect_exit 2 "^memsim: capture: cannot write a compressed trace 'x.mtr.gz'" -- "$M" capture -o x.mtr.gz -- true
if command -v valgrind >/dev/null; then
	"$M" capture -o - -- true > cap.txt 2>/dev/null && grep -q '^1 [RWX] 0x' cap.txt && ok \
		|| fail "capture-1.2: -o - is not text"
fi
finish
