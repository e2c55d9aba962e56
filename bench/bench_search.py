"""Cold one-shot `vlmnb_search`: the ONNX query path against the torch path, in one run on the same index.

Each query runs in a fresh process, as a user typing the command pays it: interpreter start, imports, loading the
index, loading the query encoders, embedding the query, ranking.

- onnx: `vlmnb_search INDEX QUERY --backend onnx` embeds the query with the ONNX exports the index stores
  (`query/text`, `query/xclip`) through onnxruntime and `tokenizers`; torch and transformers are never imported.
- torch (the reference, the only path before the exports): `--backend torch` loads sentence-transformers (MiniLM) and
  the X-CLIP text tower through transformers.

Both must return the same hits in the same order. It also reports the peak RSS of each process (this process stays
small: the test index is built in a child process) and the warm search time once the index and encoders are loaded.

    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python bench/bench_search.py [--repeats 3] [--index DIR]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

os.environ.setdefault('HF_HUB_OFFLINE', '1')
FLOOR_S, GOAL_S = 5.0, 2.0
QUERY = 'a man gives a speech about his country'


def make_index(d: Path) -> Path:
    "A small index as a user's first one: the film clip, the film with the JFK speech on it, synthetic colour shots."
    from vlmnb import video_io
    from vlmnb.scenes import colour_blocks, write_video
    from vlmnb.index.encode import EncodeConfig, build_index, mux_audio_video
    from vlmnb.utils import shared_data_file
    clips = d/'clips'; clips.mkdir(parents=True)
    write_video(clips/'blocks.mp4', (f for _, _, f in colour_blocks()))
    film, jfk = shared_data_file('scenes', 'goldeneye-vfr-drop3.mp4'), shared_data_file('speech', 'jfk.flac')
    if film is not None:
        (clips/'film.mp4').write_bytes(film.read_bytes())
    if film is not None and jfk is not None:
        g = video_io.read_frames(film, np.arange(0, 160, 2))[:, ::4, ::4]
        audio = np.concatenate([np.zeros(16000, np.float32), video_io.read_audio(jfk, sr=16000)])
        mux_audio_video(np.concatenate([g, g[:60]]), audio, clips/'speech.mp4', fps=12)
    t0 = time.perf_counter()
    rep = build_index(clips, d/'index', EncodeConfig(frames_per_scene=8, caption_tokens=8), progress=False)
    print(f'built the test index in {time.perf_counter() - t0:.1f} s: {rep.summary()}')
    if not rep.ok: sys.exit(1)
    return d/'index'


def run_once(cmd) -> tuple:
    "(wall seconds, peak RSS in MB, stdout, stderr) of one fresh process running `cmd`."
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.stdout.read(), p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0: sys.exit(f'{cmd} failed ({p.returncode}): {err}')
    return wall, usage.ru_maxrss / 1024, out, err


def hits_of(out: str) -> list:
    "(row, score) of each JSON hit line."
    return [(h['row'], h['score']) for h in map(json.loads, out.splitlines())]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--index', help='an existing index (default: build a small test index in a temporary folder)')
    ap.add_argument('--query', default=QUERY)
    ap.add_argument('--build', metavar='DIR', help=argparse.SUPPRESS)      # internal: build the test index in DIR
    a = ap.parse_args()
    if a.build: make_index(Path(a.build)); return
    tmp = tempfile.TemporaryDirectory()
    if a.index: index = Path(a.index)
    else:   # built in a child process: this one stays small, so the peak RSS of the processes it forks is their own
        subprocess.run([sys.executable, __file__, '--build', tmp.name], check=True)
        index = Path(tmp.name)/'index'
    exe = str(Path(sys.executable).parent/'vlmnb_search')
    cmds = {b: [exe, str(index), a.query, '-k', '5', '--json', '--backend', b] for b in ('onnx', 'torch')}
    runs = {b: [] for b in cmds}
    for b in cmds: run_once(cmds[b])                           # warm the disk cache once for each path
    for _ in range(a.repeats):
        for b in cmds: runs[b].append(run_once(cmds[b]))
    from vlmnb.index.encode import load_index
    ix = load_index(index, thumbs=False)
    ix.search(a.query, backend='onnx')                         # encoders loaded: what is left is the search itself
    t0 = time.perf_counter(); n = 20
    for _ in range(n): ix.search(a.query, backend='onnx')
    warm_ms = (time.perf_counter() - t0) / n * 1000
    print(f'\nindex: {len(ix.records)} videos, {len(ix)} scenes; query {a.query!r}; load average '
          f'{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS")}')
    print(f'{"path":<8}{"median s":>10}{"min s":>8}{"max s":>8}{"peak RSS MB":>13}')
    for b, rs in runs.items():
        w = [r[0] for r in rs]
        print(f'{b:<8}{statistics.median(w):>10.2f}{min(w):>8.2f}{max(w):>8.2f}{max(r[1] for r in rs):>13.0f}')
    med = {b: statistics.median(r[0] for r in rs) for b, rs in runs.items()}
    print(f'warm search in one process (ONNX encoders loaded): {warm_ms:.1f} ms per query')
    floor, goal = ('met' if med['onnx'] <= FLOOR_S else 'MISSED'), ('met' if med['onnx'] <= GOAL_S else 'missed')
    print(f'cold one-shot: onnx {med["onnx"]:.2f} s vs torch {med["torch"]:.2f} s ({med["torch"] / med["onnx"]:.1f}x '
          f'faster); floor <= {FLOOR_S:.0f} s: {floor}, goal <= {GOAL_S:.0f} s: {goal}')
    ho, ht = hits_of(runs['onnx'][0][2]), hits_of(runs['torch'][0][2])
    same = [r for r, _ in ho] == [r for r, _ in ht] and np.allclose([s for _, s in ho], [s for _, s in ht], atol=1e-5)
    print(f'same hits, same order on both paths: {same} (rows {[r for r, _ in ho]})')
    if not same: sys.exit(1)


if __name__ == '__main__':
    main()
