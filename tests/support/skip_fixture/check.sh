#!/bin/sh
# The per-file skip (support/test_skip.hpp) on a program of two files compiled as one unity
# batch: the skipping file's entry exits 77 with its reason, the other's passes, and the whole
# program runs the other's case and names the skipped file.
set -u
program=$1
"$program" "-#" "[#skips]" --warn NoTests > out.txt; status=$?
[ $status = 77 ] || { echo "skipping file: exit $status, not 77"; exit 1; }
grep -q "skipped: planted: this file always skips" out.txt || { echo "no reason printed"; exit 1; }
"$program" "-#" "[#runs]" --warn NoTests > out.txt || { echo "the running file's entry failed"; exit 1; }
"$program" > out.txt || { cat out.txt; echo "the whole program failed"; exit 1; }
grep -q "skipped skips: planted" out.txt || { echo "the whole program did not name the skipped file"; exit 1; }
grep -q "1 assertion in 1 test case" out.txt || { cat out.txt; echo "the whole program ran another number of cases"; exit 1; }
echo "per-file skip: ok"
