#!/usr/bin/python3
"""The bias check of every family in the committed shard files, decided again with the union
bound over the shard's families (K = all families of the shard) and over each target pass's
alone (as shards were decided before the two passes joined as one run), from the statistics
the files store. Prints each shard's flags and any family whose verdict depends on the count.

    /usr/bin/python3 analyses/exhaustive/bias_recount.py [reports/exhaustive/bf16]

The thresholds are those of proofs/rounding-bias.md, t = sqrt(2 ln(2K/1e-6)) sqrt(sum of row
sums squared) / N + max_bias_ulp; the sweep's kernels (bf16) declare no max_bias_ulp, which the
script checks against contracts/providers/.
"""
import fnmatch
import glob
import json
import math
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FALSE_ALARM = 1e-6  # kBiasFalseAlarm, src/checks/rounding_bias.hpp


def declared_bias(kernel):
    for path in glob.glob(os.path.join(ROOT, "contracts", "providers", "*.json")):
        with open(path) as file:
            for rule in json.load(file).get("rules", []):
                if "max_bias_ulp" in rule and fnmatch.fnmatchcase(kernel, rule["kernel"]):
                    return rule["max_bias_ulp"]
    return 0.0


def ratio(family, tests, declared):
    values = family["values"]
    factor = math.sqrt(2 * math.log(2 * tests / FALSE_ALARM))

    def one(total, squares):
        mean = float.fromhex(total) / values
        threshold = factor * math.sqrt(float.fromhex(squares)) / values + declared
        return 0.0 if mean == 0 else abs(mean) / threshold

    return min(one(family["error_sum"], family["error_squares"]),
               one(family["excess_sum"], family["excess_squares"]))


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "reports", "exhaustive", "bf16")
    paths = sorted(glob.glob(os.path.join(directory, "*-pairs-*.json")) +
                   glob.glob(os.path.join(directory, "*-singles.json")))
    if not paths:
        sys.exit(f"bias_recount.py: no shard files in {directory}")
    changed = flagged = 0
    for path in paths:
        with open(path) as file:
            shard = json.load(file)
        families = [(k["name"], f) for k in shard["kernels"] for f in k.get("bias", [])]
        per_pass = {}
        for _, f in families:
            side = f["family"].rsplit("-", 1)[-1]
            per_pass[side] = per_pass.get(side, 0) + 1
        for kernel, f in families:
            declared = declared_bias(kernel)
            whole = ratio(f, len(families), declared)
            alone = ratio(f, per_pass[f["family"].rsplit("-", 1)[-1]], declared)
            if whole > 1:
                flagged += 1
                print(f"{shard['shard']}: {kernel} {f['family']}: flagged, measurement "
                      f"{whole:.3f} (K = {len(families)}), {alone:.3f} per pass")
            if (whole > 1) != (alone > 1):
                changed += 1
                print(f"{shard['shard']}: {kernel} {f['family']}: verdict depends on K: "
                      f"{whole:.3f} (K = {len(families)}) against {alone:.3f} per pass")
    print(f"{len(paths)} shard files: {flagged} families flagged with K = the shard's families; "
          f"{changed} verdicts differ from the per-pass count")


if __name__ == "__main__":
    main()
