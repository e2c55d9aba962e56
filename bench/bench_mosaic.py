"""Benchmark: GRID video -> 400x240 mouth mosaic.

Compares vlmnb's streaming builder (`vlmnb.lipread.mosaic.build_mosaics`: decode once up to the last needed
frame, convert and landmark only the 12 sampled frames, mosaic in memory) with a baseline written the way a first
PNG-based pipeline did it: OpenCV extracts EVERY frame to a PNG file, FaceMesh runs on every frame's PNG
(read back with cv2.imread), then 12 frames are sampled from the speech region and the mosaic is built.

Runs on the real GRID clips in ../shared/data/grid (repeated `--repeat` times for stable figures):

    .venv/bin/python bench/bench_mosaic.py [--repeat 4] [--throughput-repeat 10] [--workers 1 2]

Times are reported as wall clock and as CPU time of the process (all threads), which is less sensitive to other
work on a shared machine; the load average is printed at the start and the end.
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

from vlmnb.lipread.grid import GridLayout, read_alignment
from vlmnb.lipread.mouth import get_backend, mouth_box, crop_mouth
from vlmnb.lipread.mosaic import build_mosaics, speech_indices, make_mosaic, CELL, N_FRAMES, valid_mosaic

def shared_grid() -> Path:
    env = os.environ.get('VLMNB_SHARED_DATA')
    d = (Path(env) if env else ROOT.parent/'shared'/'data')/'grid'
    if not (d/'s1').is_dir(): sys.exit(f"no real GRID clips at {d}/s1 (set VLMNB_SHARED_DATA)")
    return d

def make_layout(root: Path, grid: Path, repeat: int) -> list:
    "Copy the real clips `repeat` times into a GRID layout under `root` (speaker s1, ids suffixed by the copy)."
    lay = GridLayout(root); lay.raw_dir('s1').mkdir(parents=True); lay.align_dir('s1').mkdir(parents=True)
    vids = []
    for r in range(repeat):
        for v in sorted((grid/'s1').glob('*.mpg')):
            name = f'{v.stem}r{r}'
            shutil.copy(v, lay.raw_dir('s1')/f'{name}.mpg'); shutil.copy(grid/'align'/f'{v.stem}.align', lay.align_dir('s1')/f'{name}.align')
            vids.append(lay.raw_dir('s1')/f'{name}.mpg')
    return vids

def baseline_one(video: Path, align: Path, work: Path, out: Path, mesh) -> int:
    "The PNG pipeline for one clip; returns the number of per-frame files it wrote."
    fdir = work/video.stem; fdir.mkdir(parents=True)
    cap = cv2.VideoCapture(str(video)); n = 0
    while True:                                   # 1. every frame to a PNG file
        ok, bgr = cap.read()
        if not ok: break
        cv2.imwrite(str(fdir/f'frame_{n:03d}.png'), bgr); n += 1
    cap.release()
    boxes = []
    for i in range(n):                            # 2. landmarks on every frame's PNG
        rgb = cv2.cvtColor(cv2.imread(str(fdir/f'frame_{i:03d}.png')), cv2.COLOR_BGR2RGB)
        res = mesh.process(rgb)
        if res.multi_face_landmarks:
            h, w = rgb.shape[:2]
            lm = np.array([(p.x * w, p.y * h) for p in res.multi_face_landmarks[0].landmark], dtype=np.float32)
            boxes.append(mouth_box(lm, rgb.shape))
        else: boxes.append(None)
    al = read_alignment(align)                    # 3. sample 12 frames of the speech region, crop, mosaic
    idx = speech_indices(al.speech_start_frame, min(al.speech_end_frame, n - 1), N_FRAMES)
    cells = []
    for i in idx:
        rgb = cv2.cvtColor(cv2.imread(str(fdir/f'frame_{i:03d}.png')), cv2.COLOR_BGR2RGB)
        b = boxes[i] if boxes[i] is not None else next(bx for bx in boxes if bx is not None)
        cells.append(crop_mouth(rgb, b, CELL))
    out.parent.mkdir(parents=True, exist_ok=True)
    make_mosaic(cells).save(out, format='JPEG', quality=95)
    return n

def count_files(d: Path, exclude_suffix='.jpg') -> int:
    return sum(1 for p in d.rglob('*') if p.is_file() and p.suffix != exclude_suffix)

def decode_only(video: Path) -> float:
    t0 = time.perf_counter()
    with av.open(str(video)) as c:
        c.streams.video[0].thread_type = 'AUTO'
        for _ in c.decode(video=0): pass
    return time.perf_counter() - t0

def timed(fn, *args, **kw):
    "(result, wall seconds, CPU seconds of this process, all its threads)."
    w0, c0 = time.perf_counter(), time.process_time()
    r = fn(*args, **kw)
    return r, time.perf_counter() - w0, time.process_time() - c0

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--repeat', type=int, default=4, help='copies of the 3 real clips (default 4 -> 12 videos)')
    ap.add_argument('--throughput-repeat', type=int, default=10, help='copies of the 3 clips for the videos/s runs (default 10)')
    ap.add_argument('--workers', type=int, nargs='+', default=[1, 2], help='worker counts for the throughput run (default 1 2)')
    a = ap.parse_args(argv)
    grid = shared_grid()
    print(f'cpus: {os.cpu_count()}  load average at start: {os.getloadavg()[0]:.2f}')
    import mediapipe as mp
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        vids = make_layout(d/'corpus', grid, a.repeat)
        lay = GridLayout(d/'corpus'); n = len(vids)
        print(f'{n} videos ({a.repeat} x {n // a.repeat} real GRID clips)')

        # decode only: PyAV, all frames, no colour conversion
        decode_only(vids[0])
        dec = [decode_only(v) for v in vids]
        print(f'decode only (PyAV, all frames, no conversion): {1000 * np.mean(dec):.1f} ms/video')

        # baseline vs vlmnb (1 worker, in process), interleaved clip by clip so both see the same machine load
        mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1)
        be = get_backend()                     # both landmarkers are created before timing starts
        work, bout = d/'baseline_frames', d/'baseline_mosaics'
        base_w = base_c = ours_w = ours_c = 0.0; base_files = 0
        for k, v in enumerate(vids):
            nf, w, c = timed(baseline_one, v, lay.align_path(v), work, bout/f'{v.stem}.jpg', mesh)
            base_w += w; base_c += c; base_files += nf
            rep, w, c = timed(build_mosaics, lay, limit=k + 1, progress=False, backend=be)   # builds exactly video k
            assert rep.counts() == dict(done=1, skipped=k, failed=0), rep.summary()
            ours_w += w; ours_c += c
        mesh.close()
        ours_files = count_files(d/'corpus') - 2 * n          # everything besides the .mpg/.align inputs and the .jpg outputs
        print(f'baseline (OpenCV -> PNG per frame, FaceMesh on every frame): {1000 * base_w / n:.0f} ms/video wall, '
              f'{1000 * base_c / n:.0f} ms CPU; {count_files(work, exclude_suffix="")} per-frame files written')
        print(f'vlmnb build_mosaics (1 worker, streaming):                  {1000 * ours_w / n:.0f} ms/video wall, '
              f'{1000 * ours_c / n:.0f} ms CPU; {ours_files} per-frame files written')
        print(f'speedup vlmnb vs baseline: {base_w / ours_w:.1f}x wall, {base_c / ours_c:.1f}x CPU  (floor: 8x)')
        diffs = [np.abs(np.asarray(Image.open(bout/f'{v.stem}.jpg'), float) - np.asarray(Image.open(lay.mosaic_path(v)), float)).mean()
                 for v in vids]
        print(f'mean |baseline - vlmnb| mosaic pixel difference: {np.mean(diffs):.2f} (0-255 scale)')

        # throughput with 1 and 2 worker processes on a larger set (fresh output each time)
        tvids = make_layout(d/'throughput', grid, a.throughput_repeat); tlay = GridLayout(d/'throughput'); tn = len(tvids)
        for w in a.workers:
            shutil.rmtree(tlay.root/'mosaics', ignore_errors=True)
            bk = be if w == 1 else None           # one worker runs in process with the landmarker made above
            rep, dt, _ = timed(build_mosaics, tlay, workers=w, progress=False, backend=bk)
            assert rep.counts() == dict(done=tn, skipped=0, failed=0), rep.summary()
            print(f'vlmnb workers={w}: {tn / dt:.2f} videos/s over {tn} videos ({1000 * dt / tn:.0f} ms/video'
                  + (')' if w == 1 else ', including starting the worker processes)'))
        # what starting a pool costs: 2 workers on 2 videos = start-up + one video each
        slay = GridLayout(d/'startup'); make_layout(slay.root, grid, 1)
        for v in slay.videos()[2:]: v.unlink()
        rep, dt, _ = timed(build_mosaics, slay, workers=2, progress=False)
        assert rep.counts()['done'] == 2, rep.summary()
        print(f'a new 2-worker pool (forkserver already running) + 1 video per worker: {dt:.1f} s')
        be.close()
        print(f'load average at end: {os.getloadavg()[0]:.2f}')

if __name__ == '__main__': main()
