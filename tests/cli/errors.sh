#!/usr/bin/env bash
# Bad input: every case gets a message naming the file/line/field and exit 2.
source "$(dirname "$0")/lib.sh" "$@"
M=$MEMSIM
t() { printf '%s\n' "$@" > "$TMP/t.mtr"; }
t "1 frob 0x1000"
expect_exit 2 't.mtr:1: .*frob' -- $M replay "$TMP/t.mtr" -o "$TMP/o.db"
t "1 R 0xzz12"
expect_exit 2 't.mtr:1: .*hex' -- $M replay "$TMP/t.mtr" -o "$TMP/o.db"
t "1 mmap 0x1000 4096"
expect_exit 2 't.mtr:1: .*PROT' -- $M replay "$TMP/t.mtr" -o "$TMP/o.db"
t "1 mmap 0x1000 99999999999999G rw- private,anon"
expect_exit 2 't.mtr:1: .*overflow' -- $M replay "$TMP/t.mtr" -o "$TMP/o.db"
t "# ok" "1 mprotect 0x1000 4096 rwz"
expect_exit 2 't.mtr:2: .*prot' -- $M replay "$TMP/t.mtr" -o "$TMP/o.db"
printf 'MEMSIMTRxx' > "$TMP/bad.bin"
expect_exit 2 'bad.bin' -- $M replay "$TMP/bad.bin" --format binary -o "$TMP/o.db"
expect_exit 2 'unknown config key' -- $M replay "$TMP/t.mtr" --set frob=1 -o "$TMP/o.db"
expect_exit 2 "tlb.l1d: '63:4'" -- $M replay "$TMP/t.mtr" --set tlb.l1d=63:4 -o "$TMP/o.db"
expect_exit 2 "arch: 'sparc'" -- $M replay "$TMP/t.mtr" --set arch=sparc -o "$TMP/o.db"
expect_exit 2 'nope.mtr' -- $M replay "$TMP/nope.mtr" -o "$TMP/o.db"
expect_exit 2 "unknown command 'frobnicate'" -- $M frobnicate
echo '{"tlb": {"l2": "100:3"}}' > "$TMP/c.json"
expect_exit 2 'c.json: .*tlb.l2' -- $M replay "$TMP/t.mtr" -c "$TMP/c.json" -o "$TMP/o.db"
echo '{"tlb": ' > "$TMP/c2.json"
expect_exit 2 'c2.json:.*JSON' -- $M replay "$TMP/t.mtr" -c "$TMP/c2.json" -o "$TMP/o.db"
expect_exit 0 '' -- $M --help
expect_exit 0 '' -- $M replay --help
expect_exit 0 '' -- $M --version
# a bad line in the middle: the run is 'failed', what came before is kept
printf '1 mmap 0x7e0000000000 8K rw- private,anon\n1 W 0x7e0000000000\n1 mark m\n1 bogus\n' > "$TMP/mid.mtr"
expect_exit 2 'mid.mtr:4:' -- $M replay "$TMP/mid.mtr" -o "$TMP/mid.db"
st=$(sqlite3 "$TMP/mid.db" "SELECT status FROM runs")
[ "$st" = failed ] && ok || fail "status after a bad line: '$st'"
n=$(sqlite3 "$TMP/mid.db" "SELECT count(*) FROM faults")
[ "$n" = 1 ] && ok || fail "faults kept after a bad line: '$n'"
finish
