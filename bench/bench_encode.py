"""Scene-encoder overhead: vlmnb against the cut-to-temporary-clip design, in one run on the same clips.

Overhead = the work done per scene outside the model forward passes to hand the models their inputs (frames + audio).

- vlmnb: the sampled frames of all scenes of a video streamed out in one pass (`index.encode.video_scene_frames`,
  through `video_io.iter_frames`), and the soundtrack read once per video and sliced per scene; nothing is written.
- reference: every scene is cut to a temporary libx264/AAC clip with ffmpeg (`-ss/-to`, default preset), the clip is
  re-opened to decode the same number of sampled frames, and its audio is extracted to a 16 kHz WAV and read back.

It also builds a whole index with the tiny twins and reports scenes/s and the peak RSS.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_encode.py [--repeats 3] [--frames 16] [--no-encoder]
"""
import argparse, json, os, resource, shutil, statistics, subprocess, sys, tempfile, time, wave
from pathlib import Path
import numpy as np

os.environ.setdefault('HF_HUB_OFFLINE', '1')
from vlmnb import video_io
from vlmnb.scenes import detect_scenes, write_video, colour_blocks
from vlmnb.index.encode import EncodeConfig, video_scene_frames, build_index, load_index, mux_audio_video
from vlmnb.utils import shared_data_dir


def ffmpeg_exe():
    "An ffmpeg binary: on PATH, else the one the imageio-ffmpeg package ships, else None (PyAV is used)."
    exe = shutil.which('ffmpeg')
    if exe: return exe
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception: return None


def make_clips(d: Path) -> list:
    "The real test clips (and one with speech muxed on), or synthetic shots when the shared data is absent."
    sd = shared_data_dir()
    if sd is None:
        return [write_video(d/'blocks.mp4', (f for _, _, f in colour_blocks(n=60)))]
    clips = sorted((sd/'scenes').glob('*.mp4'))
    g = video_io.read_frames(sd/'scenes'/'goldeneye-vfr-drop3.mp4', np.arange(0, 160, 2))[:, ::2, ::2]
    jfk = video_io.read_audio(sd/'speech'/'jfk.flac', sr=16000)
    clips.append(mux_audio_video(np.concatenate([g, g[:60]]), np.concatenate([np.zeros(16000, np.float32), jfk]), d/'speech.mp4', fps=12))
    return clips


def vlmnb_overhead(path, scenes, cfg):
    "Seconds for the frames of every scene (one streaming pass) + audio (read once, sliced per scene) of one video."
    t0 = time.perf_counter()
    sfs = video_scene_frames(path, scenes, cfg)
    audio = video_io.read_audio(path, sr=16000) if video_io.has_audio(path) else None
    for sf in sfs:
        assert len(sf.frames) > 0
        if audio is not None: seg = audio[int(sf.scene.start_s*16000): int(sf.scene.end_s*16000)]
    return time.perf_counter() - t0


def _cut_pyav(path, s, out):
    frames = video_io.read_frames(path, np.arange(s.start_frame, s.end_frame))
    write_video(out, frames, fps=max(1, round(video_io.video_info(path).fps)))


def reference_overhead(path, scenes, n_frames, exe, tmpd: Path):
    "Seconds to cut each scene to a temporary clip, re-open it for `n_frames` frames and extract its audio."
    t0 = time.perf_counter()
    has_audio = video_io.has_audio(path)
    for k, s in enumerate(scenes):
        clip = tmpd/f'scene_{k}.mp4'
        if exe:
            cmd = [exe, '-y', '-loglevel', 'error', '-ss', f'{s.start_s:.6f}', '-to', f'{s.end_s:.6f}', '-i', str(path),
                   '-c:v', 'libx264', '-pix_fmt', 'yuv420p'] + (['-c:a', 'aac'] if has_audio else ['-an']) + [str(clip)]
            subprocess.run(cmd, check=True)
        else: _cut_pyav(path, s, clip)
        vi = video_io.video_info(clip)
        idx = np.linspace(0, vi.num_frames - 1, min(n_frames, vi.num_frames)).round().astype(int)
        frames = video_io.read_frames(clip, idx)
        assert len(frames) > 0
        if has_audio:
            wav = tmpd/f'scene_{k}.wav'
            if exe:
                subprocess.run([exe, '-y', '-loglevel', 'error', '-i', str(clip), '-vn', '-ac', '1', '-ar', '16000', str(wav)], check=True)
                with wave.open(str(wav)) as w: np.frombuffer(w.readframes(w.getnframes()), np.int16)
            else: video_io.read_audio(clip, sr=16000)
        for p in tmpd.glob('scene_*'): p.unlink()
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--frames', type=int, default=16, help='frames sampled per scene')
    ap.add_argument('--no-encoder', action='store_true', help='skip the whole-encoder run')
    ap.add_argument('--json', help='also write the figures to this JSON file')
    a = ap.parse_args(argv)
    exe = ffmpeg_exe()
    cfg = EncodeConfig(frames_per_scene=a.frames, workers=1)
    res = dict(ffmpeg=exe or 'PyAV (no ffmpeg binary)', frames_per_scene=a.frames, repeats=a.repeats)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d); (d/'ref').mkdir()
        clips = make_clips(d)
        items = [(c, detect_scenes(c)) for c in clips]
        n_scenes = sum(len(s) for _, s in items)
        res['clips'] = {Path(c).name: len(s) for c, s in items}
        ours, ref = [], []
        for r in range(a.repeats):          # interleaved, so both designs see the same machine load
            ours.append(sum(vlmnb_overhead(c, s, cfg) for c, s in items))
            ref.append(sum(reference_overhead(c, s, a.frames, exe, d/'ref') for c, s in items))
        o, f = statistics.median(ours), statistics.median(ref)
        res.update(scenes=n_scenes, vlmnb_ms_per_scene=1000*o/n_scenes, reference_ms_per_scene=1000*f/n_scenes, ratio=f/o)
        print(f"{len(clips)} clips, {n_scenes} scenes, {a.frames} frames per scene, median of {a.repeats} runs; reference cuts with {res['ffmpeg']}")
        print(f"  vlmnb (decode once, in memory):        {res['vlmnb_ms_per_scene']:8.1f} ms per scene")
        print(f"  reference (temp libx264 clip, reopen): {res['reference_ms_per_scene']:8.1f} ms per scene")
        print(f"  overhead ratio reference / vlmnb:      {res['ratio']:8.1f}x")
        if not a.no_encoder:
            t0 = time.perf_counter()
            rep = build_index(clips, d/'index', EncodeConfig(frames_per_scene=a.frames, workers=2), progress=False)
            wall = time.perf_counter() - t0
            n = len(load_index(d/'index'))
            res.update(encoder_scenes=n, encoder_wall_s=wall, encoder_scenes_per_s=n/wall, encoder_stage_s=rep.timings)
            print(f"  whole encoder, tiny twins: {n} scenes in {wall:.1f} s = {n/wall:.2f} scenes/s (model loading included); "
                  f"stages: " + ', '.join(f'{k} {v:.1f}s' for k, v in rep.timings.items()))
            print(f"  {rep.summary()}")
            t0 = time.perf_counter()         # again, with the libraries imported: closer to the steady state of a long run
            rep2 = build_index(clips, d/'index2', EncodeConfig(frames_per_scene=a.frames, workers=2), progress=False)
            wall2 = time.perf_counter() - t0
            res.update(encoder_warm_wall_s=wall2, encoder_warm_scenes_per_s=n/wall2, encoder_warm_stage_s=rep2.timings)
            print(f"  again with libraries imported: {n/wall2:.2f} scenes/s ({wall2:.1f} s); stages: "
                  + ', '.join(f'{k} {v:.1f}s' for k, v in rep2.timings.items()))
    res['peak_rss_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res['peak_rss_children_mib'] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak RSS: {res['peak_rss_mib']:.0f} MiB (this process), {res['peak_rss_children_mib']:.0f} MiB (largest child, ffmpeg)")
    if a.json: Path(a.json).write_text(json.dumps(res, indent=1))
    return res


if __name__ == '__main__': main()
