#!/usr/bin/python3
"""tools/analysis/barrier_uncertainty.py on a synthetic sweep directory whose
numbers are known: groups by the other varied keys, mean, sd, range, and the
barrier part sqrt(sd^2 - error^2); a sweep without perturbation seeds is
refused. Exit status 0 when every check holds."""
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "analysis", "barrier_uncertainty.py")
failures = 0


def check(condition, what):
    global failures
    print(("ok   " if condition else "FAIL ") + what)
    failures += 0 if condition else 1


def write_sweep(directory, keys, rows):
    with open(os.path.join(directory, "sweep.json"), "w") as f:
        json.dump({"format": "halide-kmc-sweep", "vary": [{"key": k, "values": []} for k in keys]}, f)
    columns = ["point"] + keys + ["temperature_K", "D_I_cm2_s", "D_I_err_cm2_s"]
    with open(os.path.join(directory, "sweep.csv"), "w") as f:
        f.write(",".join(columns) + "\n")
        for r in rows:
            f.write(",".join(str(r[c]) for c in columns) + "\n")


d_by_group = {"0.25": [1.0e-13, 2.0e-13, 3.0e-13, 6.0e-13], "0.5": [5.0e-14, 5.0e-14, 5.0e-14, 5.0e-14]}
error = 1.0e-14
with tempfile.TemporaryDirectory() as tmp:
    rows = []
    for x, values in d_by_group.items():
        for seed, d in enumerate(values, start=1):
            rows.append({"point": len(rows), "composition.Br": x, "barriers.perturbation_seed": seed,
                         "temperature_K": 400, "D_I_cm2_s": d, "D_I_err_cm2_s": error})
    write_sweep(tmp, ["composition.Br", "barriers.perturbation_seed"], rows)
    out = subprocess.run([sys.executable, SCRIPT, tmp, "--json"], capture_output=True, text=True)
    check(out.returncode == 0, f"exit 0 ({out.stderr.strip()})")
    report = json.loads(out.stdout)
    result = {g["group"]["composition.Br"]: g["quantities"]["D_I_cm2_s"] for g in report["diffusion"]}
    check(report["permeability"] == [], "no crossings.csv: no permeabilities")
    check(sorted(result) == ["0.25", "0.5"], "one group per composition")
    s = result["0.25"]
    values = d_by_group["0.25"]
    check(math.isclose(s["mean"], statistics.fmean(values)), f"mean {s['mean']}")
    check(math.isclose(s["sd"], statistics.stdev(values)), f"sd {s['sd']}")
    check(s["min"] == 1.0e-13 and s["max"] == 6.0e-13 and math.isclose(s["max_over_min"], 6.0), "range and ratio")
    check(math.isclose(s["systematic_sd"], math.sqrt(statistics.stdev(values) ** 2 - error**2)),
          f"barrier part {s['systematic_sd']}")
    check(result["0.5"]["systematic_sd"] == 0.0, "equal values: no barrier part (sd below the statistical error)")

    # Crossings: interface 0's iodide P vs lower over the 4 seeds of one composition.
    p_values = [0.5, 0.7, 0.6, 0.9]
    with open(os.path.join(tmp, "crossings.csv"), "w") as f:
        f.write("point,composition.Br,barriers.perturbation_seed,temperature_K,plane_kind,index,entity,"
                "P_vs_lower,P_vs_lower_err,P_vs_upper,P_vs_upper_err\n")
        for seed, p in enumerate(p_values, start=1):
            f.write(f"{seed},0.25,{seed},400,interface,0,I,{p},0.05,nan,nan\n")
            f.write(f"{seed},0.25,{seed},400,layer_bulk,0,I,nan,nan,nan,nan\n")
    out = subprocess.run([sys.executable, SCRIPT, tmp, "--json"], capture_output=True, text=True)
    perm = json.loads(out.stdout)["permeability"]
    check(len(perm) == 1 and perm[0]["entity"] == "I" and perm[0]["vs"] == "lower", "one permeability series")
    check(math.isclose(perm[0]["mean"], statistics.fmean(p_values)) and
          math.isclose(perm[0]["sd"], statistics.stdev(p_values)), f"P mean {perm[0]['mean']}, sd {perm[0]['sd']}")
    check(math.isclose(perm[0]["systematic_sd"], math.sqrt(statistics.stdev(p_values) ** 2 - 0.05**2)),
          "P barrier part")
    os.remove(os.path.join(tmp, "crossings.csv"))

    write_sweep(tmp, ["composition.Br"], [dict(r, **{"barriers.perturbation_seed": 0}) for r in rows])
    out = subprocess.run([sys.executable, SCRIPT, tmp], capture_output=True, text=True)
    check(out.returncode != 0 and "does not vary barriers.perturbation_seed" in out.stderr,
          "a sweep without perturbation seeds is refused")
sys.exit(1 if failures else 0)
