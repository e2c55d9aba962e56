"""Benchmark: GRID video -> 400x240 mouth mosaic, three pipelines side by side in one run.

- first design: OpenCV extracts EVERY frame to a PNG file, FaceMesh (static-image mode) runs on every frame's PNG
  (read back with cv2.imread), then 12 frames of the speech region are cropped into the mosaic;
- static path: `vlmnb.lipread.mosaic.video_to_mosaic(..., detect_every=1)`: one decode pass up to the last sampled
  frame, RGB of the 12 sampled frames only, FaceMesh's detector and landmark model on each of them;
- fast path (the default): `video_to_mosaic(...)`: the same, with the face detector on every 4th sampled frame only
  and the frames between meshed in the last face box.

Every pipeline writes its mosaic as a JPEG (quality 95). The clips are the real GRID clips of ../shared/data/grid,
copied `--repeat` times under fresh names (so no pipeline reuses what another learnt about a file); the three
pipelines take turns, each on the next copy of the 3 clips (consecutive clips, as a batch runs them), so they see the
same machine load. Times are wall clock and CPU time of the process (all threads: MediaPipe's included), which is
less sensitive to other work on a shared machine. Then the
batch builder (`build_mosaics`) runs with 1 and 2 worker processes.

    .venv/bin/python bench/bench_mosaic.py [--repeat 6] [--throughput-repeat 10] [--workers 1 2]
"""
from __future__ import annotations
import argparse, os, shutil, sys, tempfile, time
from pathlib import Path

os.environ.setdefault('HF_HUB_OFFLINE', '1')
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
import av, cv2
from PIL import Image

from vlmnb.utils import shared_data_dir
from vlmnb.lipread.grid import GridLayout, read_alignment
from vlmnb.lipread.mouth import get_backend, mouth_box, crop_mouth
from vlmnb.lipread.mosaic import build_mosaics, video_to_mosaic, speech_indices, make_mosaic, CELL, N_FRAMES, \
    DETECT_EVERY

PARTS = ('probe', 'decode', 'landmarks', 'rest')
PART_NAMES = dict(probe='alignment + frame count', decode='decode + RGB (+ PNG files)', landmarks='landmarks',
                  rest='crops, layout, JPEG')

def shared_grid() -> Path:
    sd = shared_data_dir()
    if sd is None or not (sd/'grid'/'s1').is_dir():
        sys.exit("no real GRID clips in ../shared/data/grid/s1 (see VLMNB_SHARED_DATA)")
    return sd/'grid'

def make_layout(root: Path, grid: Path, repeat: int, tag: str = '') -> list:
    "Copy the real clips `repeat` times into a GRID layout under `root` (speaker s1, ids suffixed by tag and copy)."
    lay = GridLayout(root); lay.raw_dir('s1').mkdir(parents=True); lay.align_dir('s1').mkdir(parents=True)
    vids = []
    for r in range(repeat):
        for v in sorted((grid/'s1').glob('*.mpg')):
            name = f'{v.stem}{tag}{r}'
            shutil.copy(v, lay.raw_dir('s1')/f'{name}.mpg')
            shutil.copy(grid/'align'/f'{v.stem}.align', lay.align_dir('s1')/f'{name}.align')
            vids.append(lay.raw_dir('s1')/f'{name}.mpg')
    return vids

class Lap:
    "Add the seconds since the previous call to `timings[part]`."
    def __init__(self, timings: dict): self.timings, self.t = timings, time.perf_counter()
    def __call__(self, part: str):
        now = time.perf_counter(); self.timings[part] = self.timings.get(part, 0.0) + now - self.t; self.t = now

def _mesh_box(mesh, rgb):
    res = mesh.process(rgb)
    if not res.multi_face_landmarks: return None
    h, w = rgb.shape[:2]
    lm = np.array([(p.x * w, p.y * h) for p in res.multi_face_landmarks[0].landmark], dtype=np.float32)
    return mouth_box(lm, rgb.shape)

def first_design(video: Path, align: Path, work: Path, out: Path, mesh, timings: dict) -> int:
    "The PNG pipeline for one clip; returns the number of per-frame files it wrote."
    lap = Lap(timings)
    fdir = work/video.stem; fdir.mkdir(parents=True)
    cap = cv2.VideoCapture(str(video)); n = 0
    while True:                                   # 1. every frame to a PNG file
        ok, bgr = cap.read()
        if not ok: break
        cv2.imwrite(str(fdir/f'frame_{n:03d}.png'), bgr); n += 1
    cap.release()
    lap('decode')
    boxes = [_mesh_box(mesh, cv2.cvtColor(cv2.imread(str(fdir/f'frame_{i:03d}.png')), cv2.COLOR_BGR2RGB))
             for i in range(n)]                   # 2. landmarks on every frame's PNG
    lap('landmarks')
    al = read_alignment(align)                    # 3. sample 12 frames of the speech region, crop, mosaic
    idx = speech_indices(al.speech_start_frame, min(al.speech_end_frame, n - 1), N_FRAMES)
    cells = []
    for i in idx:
        rgb = cv2.cvtColor(cv2.imread(str(fdir/f'frame_{i:03d}.png')), cv2.COLOR_BGR2RGB)
        b = boxes[i] if boxes[i] is not None else next(bx for bx in boxes if bx is not None)
        cells.append(crop_mouth(rgb, b, CELL))
    out.parent.mkdir(parents=True, exist_ok=True)
    make_mosaic(cells).save(out, format='JPEG', quality=95)
    lap('rest')
    return n

def vlmnb_path(video: Path, align: Path, out: Path, backend, timings: dict):
    "`video_to_mosaic` with its per-part timings, then the JPEG (counted as 'rest')."
    img = video_to_mosaic(video, align, backend=backend, timings=timings)
    t0 = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True); img.save(out, format='JPEG', quality=95)
    timings['rest'] += time.perf_counter() - t0

def timed(fn, *args, **kw) -> tuple:
    "(wall seconds, CPU seconds of this process, all its threads)."
    w0, c0 = time.perf_counter(), time.process_time()
    fn(*args, **kw)
    return time.perf_counter() - w0, time.process_time() - c0

def decode_only(video: Path) -> float:
    t0 = time.perf_counter()
    with av.open(str(video)) as c:
        for _ in c.decode(video=0): pass
    return time.perf_counter() - t0

def mean_abs_diff(a: Path, b: Path) -> float:
    return float(np.abs(np.asarray(Image.open(a), float) - np.asarray(Image.open(b), float)).mean())

def side_by_side(d: Path, grid: Path, repeat: int) -> dict:
    "Run the three pipelines clip by clip; per pipeline: per-part seconds, wall and CPU seconds, mosaic paths."
    import mediapipe as mp
    lays = {k: GridLayout(d/k) for k in ('first', 'static', 'fast')}
    vids = {k: make_layout(lay.root, grid, repeat, tag=k[0]) for k, lay in lays.items()}
    mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1)
    bes = dict(static=get_backend(detect_every=1), fast=get_backend(detect_every=DETECT_EVERY))   # before timing
    res = {k: dict(parts={p: 0.0 for p in PARTS}, wall=0.0, cpu=0.0, out=[]) for k in lays}
    n_real = len(list((grid/'s1').glob('*.mpg')))
    for i0 in range(0, len(vids['first']), n_real):      # the pipelines take turns, each on the next copy of the clips
        for k, lay in lays.items():
            for v in vids[k][i0:i0 + n_real]:
                r, out = res[k], d/'out'/k/f'{v.stem}.jpg'
                if k == 'first': w, c = timed(first_design, v, lay.align_path(v), d/'frames', out, mesh, r['parts'])
                else: w, c = timed(vlmnb_path, v, lay.align_path(v), out, bes[k], r['parts'])
                r['wall'] += w; r['cpu'] += c; r['out'].append(out)
    mesh.close(); [b.close() for b in bes.values()]
    res['first']['files'] = sum(1 for p in (d/'frames').rglob('*.png'))
    return res

def report(res: dict, n: int):
    ms = lambda s: f'{1000 * s / n:7.1f}'
    print(f"\nper clip, ms (wall)            {'first design':>13s} {'static path':>12s} {'fast path':>10s}")
    for p in PARTS:
        print(f"  {PART_NAMES[p]:28s} {ms(res['first']['parts'].get(p, 0)):>13s} {ms(res['static']['parts'][p]):>12s}"
              f" {ms(res['fast']['parts'][p]):>10s}")
    for name, key in (('total, wall', 'wall'), ('total, CPU (all threads)', 'cpu')):
        print(f"  {name:28s} {ms(res['first'][key]):>13s} {ms(res['static'][key]):>12s} {ms(res['fast'][key]):>10s}")
    for k in ('static', 'fast'):
        print(f"{k} path vs first design: {res['first']['wall'] / res[k]['wall']:.1f}x wall, "
              f"{res['first']['cpu'] / res[k]['cpu']:.1f}x CPU   (floor 12x, goal 20x)")
    print(f"per-frame files written: first design {res['first']['files']}, vlmnb 0")
    fs = [mean_abs_diff(a, b) for a, b in zip(res['fast']['out'], res['static']['out'])]
    ff = [mean_abs_diff(a, b) for a, b in zip(res['fast']['out'], res['first']['out'])]
    print(f"mean |fast - static| mosaic difference: {np.mean(fs):.2f} (max {np.max(fs):.2f}); "
          f"|fast - first design|: {np.mean(ff):.2f} (0-255 scale)")

def throughput(d: Path, grid: Path, repeat: int, workers: list):
    "Clips per second of `build_mosaics` with each worker count (fresh output each time)."
    tlay = GridLayout(d/'throughput'); tn = len(make_layout(tlay.root, grid, repeat))
    if max(workers) > 1:                      # start the forkserver once (it imports vlmnb and mediapipe)
        wlay = GridLayout(d/'warm'); make_layout(wlay.root, grid, 1)
        t0 = time.perf_counter(); build_mosaics(wlay, workers=2, progress=False)
        print(f"first pool of the process (starts the forkserver) + 3 clips: {time.perf_counter() - t0:.1f} s")
    for w in workers:
        shutil.rmtree(tlay.root/'mosaics', ignore_errors=True)
        t0 = time.perf_counter()
        rep = build_mosaics(tlay, workers=w, progress=False)
        dt = time.perf_counter() - t0
        assert rep.counts() == dict(done=tn, skipped=0, failed=0), rep.summary()
        print(f"build_mosaics workers={w}: {tn / dt:.2f} clips/s over {tn} clips ({1000 * dt / tn:.0f} ms/clip"
              + (", making its landmark backend included)" if w == 1 else ", starting its worker processes included)"))

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--repeat', type=int, default=6, help='copies of the 3 real clips per pipeline (default 6 -> 18)')
    ap.add_argument('--throughput-repeat', type=int, default=10, help='copies of the 3 clips for clips/s (default 10)')
    ap.add_argument('--workers', type=int, nargs='+', default=[1, 2], help='worker counts for clips/s (default 1 2)')
    a = ap.parse_args(argv)
    grid = shared_grid()
    print(f"cpus: {os.cpu_count()}  load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        clips = make_layout(d/'decode', grid, 1)
        decode_only(clips[0])
        floor = np.mean([decode_only(v) for v in clips * 3])
        print(f"floor, decode only (PyAV, all 75 frames, no RGB): {1000 * floor:.1f} ms/clip")
        res = side_by_side(d, grid, a.repeat)
        report(res, 3 * a.repeat)
        throughput(d, grid, a.throughput_repeat, a.workers)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

if __name__ == '__main__': main()
