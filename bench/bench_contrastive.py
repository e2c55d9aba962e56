"""Contrastive pretraining costs: pair building and the weighted loss, each against its baseline in the same run.

1. Pair building on one video with 20 annotated steps of 3 s (8 frames per step, windows of +-2 s around each step's
   centre, so the windows cover the video), 320x240 at 25 fps:
   - vlmnb: `contrastive.pairs.video_pairs`, which decodes the video once for all steps (`video_io.iter_frames` over the
     union of the windows' frames);
   - baseline: per step, open the video and seek to the step's frames (`video_io.read_frames`, one call per step).
   Both return the same frames (checked). Three encodings, because the baseline's cost depends on how far back a seek
   must start decoding: H.264 with x264's defaults (keyframes every 250 frames and at scene cuts, here every step
   change), H.264 with keyframes every 250 frames only, and an MPEG-1 program stream (.mpg, like GRID), whose seeking
   cannot be trusted, so that every read decodes from the start. Target: decode-once at least 3x faster.
2. The contrastive loss at B = 256, D = 1024 (forward + backward): weighted InfoNCE (`negative_weights` + `itc_loss`
   with the weights) against the unweighted one (`itc_loss` without weights), and the same for the InfoNCE on given
   logits alone (the part that differs, without the embedding matmul). Target: at most 1.5x.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_contrastive.py [--repeats 3] [--batch 256]
"""
import argparse, sys, tempfile, time
from pathlib import Path
import numpy as np


ENCODINGS = {   # name: (file suffix, codec options)
    'H.264, x264 defaults (keyframes every 250 frames and at scene cuts)': ('.mp4', {'g': '250'}),
    'H.264, keyframes every 250 frames only': ('.mp4', {'g': '250', 'sc_threshold': '0'}),
    'MPEG-1 program stream (.mpg, seeking untrusted)': ('.mpg', {}),
}

def make_video(path: Path, n_steps: int, step_s: float, fps: int, options: dict, size=(320, 240)) -> list:
    "A video of `n_steps` steps (a moving striped shape on a textured background); returns the steps' (start, end) s."
    import av
    from vlmnb.contrastive.synthetic import draw_frame, ACTIONS, COLOURS
    w, h = size
    rng = np.random.default_rng(0)
    bg = np.clip(40 + rng.normal(0, 12, (h, h, 3)), 0, 255).astype(np.uint8)
    acts, n, mpeg = sorted(ACTIONS), int(round(step_s * fps)), path.suffix == '.mpg'
    with av.open(str(path), 'w', format='mpeg' if mpeg else 'mp4') as c:
        s = c.add_stream('mpeg1video' if mpeg else 'libx264', rate=fps)
        s.width, s.height, s.pix_fmt = w, h, 'yuv420p'
        if mpeg: s.codec_context.gop_size, s.codec_context.bit_rate = 12, 2_000_000
        else: s.options = {'preset': 'veryfast', 'crf': '23', **options}
        for k in range(n_steps):
            for i in range(n):
                sq = draw_frame(h, COLOURS['red'], 'square', ACTIONS[acts[k % len(acts)]][1](i / (n - 1)), bg)
                fr = np.zeros((h, w, 3), np.uint8); fr[:, (w - h) // 2:(w - h) // 2 + h] = sq
                vf = av.VideoFrame.from_ndarray(fr, format='rgb24'); vf.pts = k * n + i
                for pk in s.encode(vf): c.mux(pk)
        for pk in s.encode(): c.mux(pk)
    return [(k * step_s, (k + 1) * step_s) for k in range(n_steps)]


def best_of(fns, repeats: int) -> list:
    "Best time of each function over `repeats` rounds, the functions taking turns (so load changes hit all alike)."
    best = [float('inf')] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            t = time.perf_counter(); fn(); best[k] = min(best[k], time.perf_counter() - t)
    return best


def bench_pairs(name: str, repeats: int, n_steps: int = 20, num_frames: int = 8) -> float:
    from vlmnb import video_io
    from vlmnb.contrastive.pairs import Step, VideoSteps, video_pairs, clip_window, window_frames
    suffix, options = ENCODINGS[name]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d)/f'steps{suffix}'
        spans = make_video(path, n_steps, 3.0, 25, options)
        info = video_io.video_info(path)
        v = VideoSteps('steps', str(path), [Step(f'step {k}', a, b, None, k) for k, (a, b) in enumerate(spans)])
        times = video_io.frame_times(path)
        windows = [window_frames(*clip_window(a, b, info.duration), times, num_frames) for a, b in spans]

        def once(): return video_pairs(path, v, num_frames, 2.0, frame_size=None)[0]
        def per_step(): return np.stack([video_io.read_frames(path, idx) for idx in windows])
        a, b = once(), per_step()
        assert a.shape == b.shape and (a == b).all(), "the two ways returned different frames"
        t_once, t_step = best_of([once, per_step], repeats)
    print(f"  {name}: decode once {t_once * 1000:.0f} ms, open-and-seek per step {t_step * 1000:.0f} ms "
          f"-> {t_step / t_once:.1f}x")
    return t_step / t_once


def bench_loss(repeats: int, batch: int, dim: int = 1024) -> float:
    import torch
    from vlmnb.contrastive.loss import negative_weights, itc_loss, infonce_loss
    torch.manual_seed(0)
    v0, t0, s0 = torch.randn(batch, dim), torch.randn(batch, dim), torch.randn(batch, batch)
    vid, step = torch.randint(0, batch // 8, (batch,)), torch.randint(0, 12, (batch,))

    def itc(weighted: bool):
        v, t = v0.clone().requires_grad_(), t0.clone().requires_grad_()
        itc_loss(v, t, negative_weights(vid, step, 0.4, 1) if weighted else None).backward()
    def nce(weighted: bool):
        s = s0.clone().requires_grad_()
        infonce_loss(s, negative_weights(vid, step, 0.4, 1) if weighted else None).backward()
    n = 20
    loop = lambda f, w: (lambda: [f(w) for _ in range(n)])
    for f in (itc, nce): loop(f, True)(); loop(f, False)()        # warm-up
    iw, iu, nw, nu = [t / n for t in best_of([loop(itc, True), loop(itc, False), loop(nce, True), loop(nce, False)],
                                             repeats)]
    print(f"loss at B={batch}, forward + backward, weights built each call:\n"
          f"  itc_loss on {dim}-d embeddings: weighted {iw * 1000:.2f} ms, unweighted {iu * 1000:.2f} ms -> "
          f"{iw / iu:.2f}x\n  InfoNCE on the B x B logits alone: weighted {nw * 1000:.2f} ms, unweighted "
          f"{nu * 1000:.2f} ms -> {nw / nu:.2f}x")
    return iw / iu


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--batch', type=int, default=256)
    a = p.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    print("pairs, 20 steps x 8 frames, 1500 frames of 320x240 (target: decode once >= 3x faster)")
    speedups = {name: bench_pairs(name, a.repeats) for name in ENCODINGS}
    ratio = bench_loss(a.repeats, a.batch)
    met = [n for n, x in speedups.items() if x >= 3]
    print(f"decode once >= 3x: met for {len(met)} of {len(speedups)} encodings ({'; '.join(met) or 'none'})")
    print(f"weighted loss <= 1.5x unweighted: {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f}x)")
    return 0


if __name__ == '__main__':
    sys.exit(main())
