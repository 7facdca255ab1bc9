"""Benchmark: plan() throughput, end-to-end `sync`, and a bare openpyxl load+save of the same
file, each in a fresh process so peak memory (max RSS) is its own.

    python benchmarks/bench_sync.py            # 1k, 10k and 100k invoices
    python benchmarks/bench_sync.py 1000 10000

Targets (issue 2): plan() >= 50,000 invoices/s; sync of the 10k file <= 0.5x the time and
<= 0.5x the peak memory of openpyxl load+save.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 4)


def make_tracker(path: Path, invoices: int, seed: int = 7) -> None:
    """A tracker with `invoices` rows over 200 customers, built on the shipped template."""
    import openpyxl

    from sheetsync.schema import CUSTOMER_COLUMNS, CUSTOMERS, INVOICE_COLUMNS, INVOICES
    from sheetsync.template import write_template

    write_template(path, demo=False, today=TODAY)
    wb = openpyxl.load_workbook(path)
    rng = random.Random(seed)
    cust_head = [c.header for c in CUSTOMER_COLUMNS]
    ws = wb[CUSTOMERS]
    names = [f"Customer {i:03d}" for i in range(200)]
    for i, name in enumerate(names):
        row = {"Customer": name, "AP Contact": f"AP {i}", "AP Email": f"ap{i}@cust.example",
               "Terms": "Net 30", "PO Required": "N", "AR Owner": "Ana Reyes",
               "Account Owner": "Ben Ode", "Language": "en"}
        for col, header in enumerate(cust_head, start=1):
            ws.cell(i + 2, col).value = row.get(header)
    ws = wb[INVOICES]
    head = [c.header for c in INVOICE_COLUMNS]
    for i in range(invoices):
        issued = TODAY - dt.timedelta(days=rng.randint(0, 200))
        amount = round(rng.uniform(50, 20000), 2)
        paid = amount if rng.random() < 0.3 else (round(amount / 2, 2) if rng.random() < 0.1
                                                  else None)
        row = {"Invoice #": f"INV-{i:06d}", "Customer": rng.choice(names),
               "Invoice Date": issued, "Due Date": issued + dt.timedelta(days=30),
               "Amount": amount, "Amount Paid": paid, "Sent On": issued,
               "Notes": "benchmark row"}
        if rng.random() < 0.03:
            row["Dispute"] = "quantity"
        if rng.random() < 0.03:
            row["Promised Date"] = TODAY + dt.timedelta(days=rng.randint(-5, 10))
        for col, header in enumerate(head, start=1):
            value = row.get(header)
            if value is not None:
                ws.cell(i + 2, col).value = value
    wb.save(path)


def _child(kind: str, path: str) -> None:
    """Runs in a fresh process; prints JSON with seconds and peak RSS (MB)."""
    import resource

    day = TODAY + dt.timedelta(days=1) if kind.endswith("daily") else TODAY
    outbox = str(Path(path).parent / "outbox")
    start = time.perf_counter()
    extra: dict[str, float] = {}
    if kind == "openpyxl":
        import openpyxl

        wb = openpyxl.load_workbook(path)
        wb.save(path)
    elif kind in ("sync", "sync-daily"):
        from sheetsync.sync import sync

        sync(path, day, outbox=outbox, force=True)
    elif kind == "sync-nodrafts":
        from sheetsync.sync import sync

        sync(path, day, drafts="none", force=True)
    elif kind in ("plan", "plan-daily"):
        from sheetsync.backends.xlsx import XlsxBackend
        from sheetsync.engine import plan
        from sheetsync.sync import load

        _raw, tracker = load(XlsxBackend(path))
        start = time.perf_counter()
        rounds = 0
        while True:
            plan(tracker, day)
            rounds += 1
            if time.perf_counter() - start > 2.0:
                break
        extra["per_second"] = len(tracker.invoices) * rounds / (time.perf_counter() - start)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, **extra}))


def measure(kind: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(path)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(sizes: list[int]) -> None:
    """First sync: every engine column blank (the heaviest day: ~60 % of invoices get a draft).
    Daily: the next day's sync of the same file (a few changed cells, a few drafts)."""
    print("columns: invoices | plan() invoices/s on the first-sync and on a daily tracker | "
          "first sync with drafts, first sync --drafts none, daily sync: seconds, x openpyxl, "
          "peak MB, x openpyxl | openpyxl load+save of the input and of the synced file")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / f"tracker_{size}.xlsx"
            make_tracker(source, size)
            copies = {k: Path(tmp) / k / "t.xlsx" for k in
                      ("plan", "sync", "nodrafts", "openpyxl", "openpyxl-synced")}
            for copy in copies.values():
                copy.parent.mkdir()
                shutil.copy(source, copy)
            base = measure("openpyxl", copies["openpyxl"])
            first = measure("sync", copies["sync"])
            nodrafts = measure("sync-nodrafts", copies["nodrafts"])
            # The daily sync reads the file the first sync wrote; its baseline is openpyxl on
            # that same, larger file.
            shutil.copy(copies["sync"], copies["openpyxl-synced"])
            base_synced = measure("openpyxl", copies["openpyxl-synced"])
            daily = measure("sync-daily", copies["sync"])
            plan_first = measure("plan", copies["plan"])
            plan_daily = measure("plan-daily", copies["sync"])
            row = [f"{size:>9,} | {plan_first['per_second']:>10,.0f} "
                   f"{plan_daily['per_second']:>10,.0f} |"]
            for result, baseline in ((first, base), (nodrafts, base), (daily, base_synced)):
                time_x = result["seconds"] / baseline["seconds"]
                mem_x = result["peak_mb"] / baseline["peak_mb"]
                row.append(f"{result['seconds']:.2f}s {time_x:.2f}x "
                           f"{result['peak_mb']:.0f}MB {mem_x:.2f}x")
            row.append(f"| {base['seconds']:.2f}s {base['peak_mb']:.0f}MB; synced file "
                       f"{base_synced['seconds']:.2f}s {base_synced['peak_mb']:.0f}MB")
            print("  ".join(row), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    else:
        main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
