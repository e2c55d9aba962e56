"""Benchmark: converting instruction data (WebVid -> LLaVA, QEVD -> Mobile-VideoGPT + chat records).

Times vlmnb's converters without video checks: `vlmnb.convert.webvid.convert_webvid` on the real 200-row WebVid
sample (../shared/data/annotations/webvid_10M_val_200.csv; English captions only, so `caption_field='name'`) and
`vlmnb.convert.qevd.convert_qevd` on a generated 5,000-record QEVD `fine_grained_labels.json`. Both include reading,
refusing bad rows with reasons, building the records, atomic writes, validating what was written and the report.

Baseline, in the same run and on the same inputs: plain scripts written the way the original one-off converters
were (load, loop, `json.dump(indent=2)`; no refusals, no validation, no report; the QEVD one writes the LLaVA files
only and splits globally, not per exercise). The target is under 5 s for each vlmnb conversion.

    .venv/bin/python bench/bench_convert.py [--repeat 5] [--qevd-records 5000] [--webvid-scale 50]

Wall time and the process's CPU time are both printed (CPU time is steadier on a shared machine), with the load
average at the start and the end. Exits 1 when a vlmnb conversion takes 5 s or more.
"""
from __future__ import annotations
import argparse, csv, json, os, random, statistics, sys, tempfile, time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vlmnb.utils import shared_data_file
from vlmnb.convert.webvid import convert_webvid
from vlmnb.convert.qevd import convert_qevd, synthetic_qevd_labels, DEFAULT_SYSTEM_PROMPT, DEFAULT_USER_TEMPLATE

LIMIT_S = 5.0

def baseline_webvid(meta: Path, video_dir: Path, out_dir: Path) -> int:
    "WebVid CSV -> two LLaVA files, the plain way."
    with open(meta, newline='', encoding='utf-8') as f: rows = list(csv.DictReader(f))
    text, vis = [], []
    for r in rows:
        conv = [{'from': 'human', 'value': ''}, {'from': 'gpt', 'value': r['name'].strip()}]
        text.append({'id': f"webvid_{r['videoid']}", 'conversations': conv})
        if os.path.exists(video_dir/f"{r['videoid']}.mp4"):
            vis.append({'id': f"webvid_{r['videoid']}", 'video': f"{r['videoid']}.mp4", 'conversations': [
                {'from': 'human', 'value': '<video>'}, conv[1]]})
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir/'webvid_t_en.json', 'w') as f: json.dump(text, f, indent=2)
    with open(out_dir/'webvid_vi_en.json', 'w') as f: json.dump(vis, f, indent=2)
    return len(text)

def baseline_qevd(labels: Path, out_dir: Path, cap: int | None, seed: int = 1337) -> int:
    "QEVD labels -> three Mobile-VideoGPT files, the plain way (global split, LLaVA only)."
    with open(labels) as f: recs = json.load(f)
    groups = defaultdict(list)
    for r in recs:
        ex = (r.get('exercise') or Path(r['video_path']).parent.name).replace('_', ' ')
        ans = r.get('labels_descriptive') or r['labels'][0]
        ans = '\n'.join(ans) if isinstance(ans, list) else ans
        groups[ex].append({'video': r['video_path'], 'system': DEFAULT_SYSTEM_PROMPT, 'conversations': [
            {'from': 'human', 'value': '<video>\n' + DEFAULT_USER_TEMPLATE.format(exercise=ex)},
            {'from': 'gpt', 'value': ans}]})
    random.seed(seed)
    data = [x for g in groups.values() for x in (random.sample(g, min(cap, len(g))) if cap else g)]
    random.shuffle(data)
    a, b = int(0.8*len(data)), int(0.9*len(data))
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, part in (('train', data[:a]), ('val', data[a:b]), ('test', data[b:])):
        with open(out_dir/f'qevd_{name}.json', 'w') as f: json.dump(part, f, indent=2)
    return len(data)

def timed(fn, repeat: int):
    "(last result, wall times, CPU times) of `repeat` calls."
    walls, cpus, res = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        res = fn()
        walls.append(time.perf_counter() - w0); cpus.append(time.process_time() - c0)
    return res, walls, cpus

def line(label: str, n: int, walls: list, cpus: list) -> str:
    med = statistics.median(walls)
    return (f"  {label:<34} {n:>6} records  wall median {1000*med:8.1f} ms (min {1000*min(walls):7.1f})  "
            f"CPU median {1000*statistics.median(cpus):8.1f} ms  {n/med:>9,.0f} records/s")

def scaled_webvid(meta: Path, out: Path, k: int) -> Path:
    "The sample repeated `k` times with distinct ids (a larger table of real captions)."
    with open(meta, newline='', encoding='utf-8') as f: rows = list(csv.DictReader(f))
    with open(out, 'w', newline='', encoding='utf-8') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0])); w.writeheader()
        for j in range(k): w.writerows([dict(r, videoid=f"{r['videoid']}{j:03d}") for r in rows])
    return out

def compare(title: str, ours, base, repeat: int) -> float:
    (rep, ow, oc), (nb, bw, bc) = timed(ours, repeat), timed(base, repeat)
    n = len(rep.done)
    print(title)
    print(line('vlmnb (checks, validation, report)', n, ow, oc))
    print(line('baseline (plain script)', nb, bw, bc))
    print(f"  vlmnb / baseline (wall median): {statistics.median(ow)/statistics.median(bw):.2f}x; "
          f"refused {len(rep.failed)}, outputs {rep.outputs}")
    return statistics.median(ow)

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--repeat', type=int, default=5, help='timed runs per converter (default 5)')
    ap.add_argument('--qevd-records', type=int, default=5000, help='records in the generated QEVD file (default 5000)')
    ap.add_argument('--webvid-scale', type=int, default=50,
                    help='copies of the sample for the scaling line (default 50)')
    a = ap.parse_args(argv)
    meta = shared_data_file('annotations', 'webvid_10M_val_200.csv')
    if meta is None: return 2
    print(f"cpus: {os.cpu_count()}  load average at start: {os.getloadavg()[0]:.2f}  repeat: {a.repeat}")
    worst = {}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d); clips = d/'clips'; clips.mkdir()
        worst['webvid 200'] = compare(f"WebVid: {meta.name} (200 rows, caption 'name', no video check)",
            lambda: convert_webvid(meta, clips, d/'w', caption_field='name', check_videos=False),
            lambda: baseline_webvid(meta, clips, d/'wb'), a.repeat)
        big = scaled_webvid(meta, d/'webvid_scaled.csv', a.webvid_scale)
        compare(f"WebVid: the sample x{a.webvid_scale} ({200*a.webvid_scale} rows, scaling)",
                lambda: convert_webvid(big, clips, d/'w2', caption_field='name', check_videos=False),
                lambda: baseline_webvid(big, clips, d/'wb2'), max(1, a.repeat // 2))
        labels = d/'fine_grained_labels.json'
        labels.write_text(json.dumps(synthetic_qevd_labels(a.qevd_records, n_exercises=20)))
        for cap in (None, 100):
            worst[f'qevd cap {cap}'] = compare(
                f"QEVD: {a.qevd_records} generated records, 20 exercises, max per class {cap or 'none'}, "
                "no video check",
                lambda: convert_qevd(labels, d/'videos', d/'q', max_per_class=cap, check_videos=False),
                lambda: baseline_qevd(labels, d/'qb', cap), a.repeat)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    slow = {k: v for k, v in worst.items() if v >= LIMIT_S}
    print(f"target < {LIMIT_S:g} s per conversion: " + ('met' if not slow else f"MISSED by {slow}"))
    return 1 if slow else 0

if __name__ == '__main__':
    sys.exit(main())
