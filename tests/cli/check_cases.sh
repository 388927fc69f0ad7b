#!/usr/bin/env bash
# `memsim check` and its case files (traces/FORMAT.md, "Regression cases"):
# a good case passes on every architecture; phases are matched by name in
# trace order; a wrong count fails (exit 1); every malformed case file gives
# "CASE.json: FIELD: what is wrong" and exit 2, never a crash and never a
# pass.  Test groups: check-1.x good cases; check-2.x malformed cases;
# check-3.x directories.
source "$(dirname "$0")/lib.sh" "$@"
M=$MEMSIM
cd "$TMP" || exit 1

cat > hand.mtr <<'EOF'
# four phases; the last mark twice
1 mmap 0x7e0000000000 2M rw- private,anon,fixed
1 madvise 0x7e0000000000 2M nohugepage
1 mark anon
1 W 0x7e0000000000 40K
1 mark zero
1 R 0x7e0000064000
1 W 0x7e0000064000
1 mark fork
1 fork 2
2 W 0x7e0000000000 8K
1 mark again
1 W 0x7e0000002000
1 mark again
1 R 0x7e0000002000
EOF
MARKS="its marks: anon, zero, fork, again"
# good CASE: exit 0 and the summary line
good() {
	"$M" check "$1" >out 2>err
	local rc=$?
	if [ $rc = 0 ] && [ "$(tail -1 out)" = "$2" ] && [ ! -s err ]; then ok
	else fail "$1: rc $rc, '$(tail -1 out)' (want '$2'), stderr '$(cat err)'"; fi
}
# bad ID 'JSON' 'MESSAGE': exit 2, exactly MESSAGE on stderr, counted failed
bad() {
	printf '%s\n' "$2" > "$1.json"
	"$M" check "$1.json" >out 2>err
	local rc=$?
	if [ $rc = 2 ] && [ "$(cat err)" = "$3" ] && [ "$(tail -1 out)" = "0 passed, 1 failed" ]; then ok
	else fail "$1: rc $rc, stderr '$(cat err)', want '$3'; stdout '$(tail -1 out)'"; fi
}

# check-1.1: every counter of a phase, totals, both architectures; phases
# skipped (zero) and a repeated mark matched in order
cat > ok.json <<'EOF'
{"trace": "hand.mtr", "archs": ["x86_64", "arm64"],
 "expect": [{"phase": "anon", "minflt": 10, "majflt": 0, "faults": 10, "segv": 0,
             "sigbus": 0, "thp_faults": 0, "cow_copies": 0},
            {"phase": "fork", "minflt": 2, "cow_copies": 2},
            {"phase": "again", "minflt": 1, "cow_copies": 1},
            {"phase": "again", "minflt": 0, "faults": 0}],
 "totals": {"minflt": 15, "cow_copies": 4, "accesses": 6, "segv": 0}}
EOF
good ok.json "2 passed, 0 failed"
# check-1.2: config as a -c file (nested or dotted), totals only, default arch
echo '{"trace": "hand.mtr", "config": {"tlb": {"l2": "64:4"}, "thp": "never", "arm64.hw_af": false},
 "totals": {"minflt": 15}}' > cfg.json
good cfg.json "1 passed, 0 failed"
# check-1.3: a wrong count fails with the phase and counter named, exit 1
echo '{"trace": "hand.mtr", "expect": [{"phase": "zero", "minflt": 3}], "totals": {"walks": 0}}' > wrong.json
"$M" check wrong.json >out 2>err
[ $? = 1 ] && ok || fail "check-1.3: exit status"
grep -qx "FAIL wrong.json \[x86_64\]: phase 'zero': minflt = 2, expected 3" out && ok || fail "check-1.3: $(cat out)"
grep -q "^FAIL wrong.json \[x86_64\]: total walks = [0-9]*, expected 0$" out && ok || fail "check-1.3 totals: $(cat out)"
[ "$(tail -1 out)" = "0 passed, 1 failed" ] && ok || fail "check-1.3: summary $(tail -1 out)"

# check-2.x: malformed case files (the reviewer's reproducers first)
P='"phase": "anon", "minflt": 10'
bad c1 '{"trace":"hand.mtr","expect":[[1]]}' \
	'c1.json: expect[0]: expected an object {"phase": MARK, COUNTER: N, ...}, got an array'
bad c2 '{"trace":"hand.mtr","expect":{"a":[1]}}' \
	'c2.json: expect: expected an array of {"phase": MARK, COUNTER: N, ...} in the order of the marks, got an object'
bad c3 '{"trace":"hand.mtr","expect":5}' \
	'c3.json: expect: expected an array of {"phase": MARK, COUNTER: N, ...} in the order of the marks, got 5'
for f in expects arch architectures; do
	bad "c4$f" "{\"trace\":\"hand.mtr\",\"$f\":[\"arm64\"],\"expect\":[{$P}]}" \
		"c4$f.json: unknown field '$f' (a case has trace, archs, config, expect, totals)"
done
bad c5 "{\"trace\":\"hand.mtr\",\"expect\":[{\"phase\":\"anon\",\"minflt\":\"10\"}]}" \
	'c5.json: expect[0].minflt: expected a count (a whole number >= 0), got the string "10"'
bad c6 "{\"trace\":\"hand.mtr\",\"expect\":[{$P},{\"phase\":\"zero\",\"minflt\":1.5}]}" \
	'c6.json: expect[1].minflt: expected a count (a whole number >= 0), got 1.5'
bad c7 "{\"trace\":\"hand.mtr\",\"expect\":[{$P,\"walks\":3}]}" \
	"c7.json: expect[0]: unknown counter 'walks' (a phase counts: minflt, majflt, faults, cow_copies, thp_faults, segv, sigbus)"
bad c8 "{\"trace\":\"hand.mtr\",\"archs\":[\"x86_64\",\"sparc\"],\"expect\":[{$P}]}" \
	"c8.json: archs[1]: bad value for arch: 'sparc' (expected one of x86_64, arm64)"
bad c9 "{\"trace\":\"hand.mtr\",\"expect\":[{$P},{\"phase\":\"nosuch\",\"minflt\":0}]}" \
	"c9.json: expect[1].phase: no mark 'nosuch' in hand.mtr ($MARKS)"
bad c10 "{\"trace\":\"hand.mtr\",\"expect\":[{\"phase\":\"fork\",\"minflt\":2},{$P}]}" \
	"c10.json: expect[1].phase: no mark 'anon' after 'fork' of expect[0] (list the phases in the order of the trace; $MARKS)"
bad c11 "{\"expect\":[{$P}]}" \
	'c11.json: missing field "trace" (the trace file, relative to the case file)'
bad c12 "{\"trace\":\"nope.mtr\",\"expect\":[{$P}]}" \
	"c12.json: trace: cannot open 'nope.mtr': No such file or directory"
bad c13 '{"trace":"hand.mtr"}' \
	'c13.json: nothing to check: give "expect" (an array of {"phase": MARK, COUNTER: N}) or "totals" (an object of counters: accesses, minflt, majflt, faults, walks, cow_copies, cow_reuses, swap_outs, swap_ins, oom_kills, thp_faults, thp_splits, thp_collapses, segv, sigbus, tlb_shootdowns, rss_peak_pages, tlb.l1d.hits, tlb.l1d.misses, tlb.l1i.hits, tlb.l1i.misses, tlb.l2.hits, tlb.l2.misses)'
bad c14 '{"trace":"hand.mtr","expect":[{"phase":"anon"}]}' \
	"c14.json: expect[0]: phase 'anon' has no counter to check (give one or more of minflt, majflt, faults, cow_copies, thp_faults, segv, sigbus)"
bad c15 '{"trace":"hand.mtr","expect":[{"minflt":1}]}' \
	'c15.json: expect[0]: missing field "phase" (the label of a mark of the trace)'
bad c16 '{"trace":"hand.mtr","expect":[{"phase":{"x86_64":1},"minflt":1}]}' \
	'c16.json: expect[0].phase: expected the label of a mark (a string), got an object'
bad c17 "{\"trace\":\"hand.mtr\",\"expect\":[{$P,\"minflt\":10}]}" \
	"c17.json: expect[0]: counter 'minflt' given twice"
bad c18 "{\"trace\":\"hand.mtr\",\"expect\":[{$P}],\"totals\":{\"minflt\":-1}}" \
	'c18.json: totals.minflt: expected a count (a whole number >= 0), got -1'
bad c19 '{"trace":"hand.mtr","totals":{"rss":1}}' \
	"c19.json: totals: unknown counter 'rss' (totals takes: accesses, minflt, majflt, faults, walks, cow_copies, cow_reuses, swap_outs, swap_ins, oom_kills, thp_faults, thp_splits, thp_collapses, segv, sigbus, tlb_shootdowns, rss_peak_pages, tlb.l1d.hits, tlb.l1d.misses, tlb.l1i.hits, tlb.l1i.misses, tlb.l2.hits, tlb.l2.misses)"
bad c20 '{"trace":"hand.mtr","totals":[1]}' \
	'c20.json: totals: expected an object {COUNTER: N, ...}, got an array'
bad c21 "{\"trace\":\"hand.mtr\",\"config\":{\"frob\":1},\"expect\":[{$P}]}" \
	"c21.json: config: unknown config key 'frob'"
bad c22 "{\"trace\":\"hand.mtr\",\"config\":{\"tlb\":{\"policy\":\"plru\"}},\"expect\":[{$P}]}" \
	"c22.json: config: bad value for tlb.policy: 'plru' (tlb.l2 has 12 ways; tree PLRU needs a power of two)"
bad c23 "{\"trace\":\"hand.mtr\",\"config\":{\"arch\":\"arm64\"},\"expect\":[{$P}]}" \
	'c23.json: config.arch: give the architectures in "archs"'
bad c24 "{\"trace\":\"hand.mtr\",\"archs\":[\"x86_64\",\"arm64\"],\"config\":{\"paging.granule\":\"64K\",\"paging.va_bits\":39},\"expect\":[{$P}]}" \
	"c24.json: config (on arm64): bad value for paging.va_bits: '39' (arm64 with a 64K granule does not support 39-bit VAs)"
bad c25 "{\"trace\":\"hand.mtr\",\"config\":{\"thp\":[1]},\"expect\":[{$P}]}" \
	'c25.json: config.thp: expected a string, a whole number >= 0 or a boolean, got an array'
bad c25b "{\"trace\":\"hand.mtr\",\"config\":{\"tlb\":{\"l2\":\"64:4\"},\"tlb.l2\":\"64:4\"},\"expect\":[{$P}]}" \
	"c25b.json: config: key 'tlb.l2' given twice"
bad c26 "{\"trace\":\"hand.mtr\",\"config\":\"thp=never\",\"expect\":[{$P}]}" \
	'c26.json: config: expected an object of config keys, got the string "thp=never"'
bad c27 "{\"trace\":\"hand.mtr\",\"archs\":\"arm64\",\"expect\":[{$P}]}" \
	'c27.json: archs: expected a non-empty array of architecture names (["x86_64", "arm64"]), got the string "arm64"'
bad c28 "{\"trace\":\"hand.mtr\",\"archs\":[],\"expect\":[{$P}]}" \
	'c28.json: archs: expected a non-empty array of architecture names (["x86_64", "arm64"]), got an empty array'
bad c29 "{\"trace\":\"hand.mtr\",\"archs\":[\"arm64\",\"arm64\"],\"expect\":[{$P}]}" \
	"c29.json: archs[1]: 'arm64' is listed twice"
bad c30 "{\"trace\":5,\"expect\":[{$P}]}" 'c30.json: trace: expected a file name (a string), got 5'
bad c31 "{\"trace\":\"hand.mtr\",\"trace\":\"hand.mtr\",\"expect\":[{$P}]}" "c31.json: field 'trace' given twice"
bad c32 '[1]' 'c32.json: not a case file: expected a JSON object {"trace": ..., "expect": [...]}, got an array'
bad c33 '{"trace": "hand.mtr",
 "expect": [}' 'c33.json:2: not valid JSON'
bad c34 '' 'c34.json:2: not valid JSON (the file is empty)'
mkdir -p sub && cp hand.mtr sub/ && printf '1 mark a\n1 frob\n' > sub/broken.mtr
bad c35 '{"trace":"sub/broken.mtr","totals":{"minflt":0}}' "c35.json: sub/broken.mtr:2: unknown op 'frob'"
# check-2.36: the trace is relative to the case file, not to the current directory
echo "{\"trace\":\"hand.mtr\",\"expect\":[{\"phase\":\"nosuch\",\"minflt\":0}]}" > sub/rel.json
"$M" check sub/rel.json >out 2>err
[ "$(cat err)" = "sub/rel.json: expect[0].phase: no mark 'nosuch' in sub/hand.mtr ($MARKS)" ] && ok \
	|| fail "check-2.36: $(cat err)"

# check-3.x: directories
mkdir -p empty
expect_exit 2 '^memsim: check: no cases in empty \(a case is a \*\.json file; see traces/FORMAT\.md\)$' -- "$M" check empty
touch empty/notes.txt
expect_exit 2 'no cases in empty' -- "$M" check empty
[ "$(tail -1 "$TMP/out")" = "0 passed, 0 failed" ] && ok || fail "check-3.2: $(cat "$TMP/out")"
mkdir -p mixed && cp hand.mtr ok.json mixed/ && cp c7.json mixed/
"$M" check mixed >out 2>err
rc=$?
[ $rc = 2 ] && [ "$(tail -1 out)" = "2 passed, 1 failed" ] && grep -q "^mixed/c7.json: expect\[0\]: unknown counter 'walks'" err \
	&& ok || fail "check-3.3: rc $rc, $(tail -1 out), $(cat err)"
expect_exit 2 '^nothere: No such file or directory$' -- "$M" check nothere
expect_exit 2 "unknown option '--frob'" -- "$M" check --frob
"$M" check --help | grep -q 'traces/FORMAT.md, "Regression' && ok || fail "check --help names FORMAT.md"

finish
