"""Video LLM costs on this machine, tiny twins on the offline fixture (10 clips, 16 frames of 80x64, 8 used).

- training throughput of stage 1 (text only) and stage 2 (video + text, decoder frozen) in tokens/s (padding
  excluded, visual positions included) and records/s, with the fast-slow packer and, as the baseline in the same run,
  without it (one full patch grid per frame);
- the cost per clip of each step a clip goes through before the decoder: decode (vlmnb.video_io), image processor,
  vision encoder forward, packer + projector;
- the packer's visual token counts against one grid per frame, for the real encoders' grids and the twins'.

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_videollm.py [--steps 20] [--decoder tiny-qwen2]
"""
import argparse, dataclasses, os, statistics, tempfile, time
from pathlib import Path

os.environ.setdefault('HF_HUB_OFFLINE', '1')
import torch
from transformers.utils import logging as hf_logging
hf_logging.disable_progress_bar(); hf_logging.set_verbosity_error()

from vlmnb.models import build_tiny
from vlmnb.videollm.model import VideoLLM, patch_grid, token_count_table
from vlmnb.videollm.data import make_fixture, read_llava_json, FrameSampling
from vlmnb.videollm.train import VideoLLMConfig, train_stage, answer_texts


def throughput(r, skip: int = 2) -> dict:
    "tokens/s and steps/s of a stage result, leaving out the first `skip` steps (allocation, warm-up)."
    h = r.history
    a, b = h[skip - 1], h[-1]
    dt = b['seconds'] - a['seconds']
    return dict(tokens_s=(b['tokens'] - a['tokens']) / dt, steps_s=(len(h) - skip) / dt, loss=b['loss'])


def per_clip_costs(model, paths, repeats: int = 3) -> dict:
    "Median ms per clip of decoding, preprocessing, the vision forward and packer + projector (8 frames each)."
    steps = ('decode', 'image processor', 'vision forward', 'packer+projector')
    sampling, out = FrameSampling(8), {k: [] for k in steps}
    for _ in range(repeats):
        for p in paths:
            t0 = time.perf_counter(); frames = sampling.read(p)
            t1 = time.perf_counter(); pv = model.processor.pixels(frames)
            t2 = time.perf_counter()
            with torch.no_grad():
                g = patch_grid(model.vision, pv)
                t3 = time.perf_counter()
                model.projector(torch.cat(model.packer(g)))
            t4 = time.perf_counter()
            for k, v in zip(out, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)): out[k].append(1000 * v)
    return {k: statistics.median(v) for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=20, help='optimizer steps per measured run (batch 10)')
    ap.add_argument('--decoder', default='qwen2', choices=('qwen2', 'gpt2'), help='decoder twin family')
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '1')))
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        fx = make_fixture(d/'fixture')
        texts = answer_texts(fx['text'])
        vision = str(build_tiny('dinov2', d/'dinov2'))
        decoder = str(build_tiny(args.decoder, d/args.decoder, texts=texts))
        base = VideoLLMConfig(vision_id=vision, decoder_id=decoder, max_steps=args.steps, batch_size=10)
        print(f"tiny {args.decoder} + tiny dinov2, 10 records per batch, {args.steps} steps per run, "
              f"{torch.get_num_threads()} torch thread(s)\n")
        r1 = train_stage(dataclasses.replace(base, stage=1), 1, fx['text'], d/'s1', verbose=False)
        runs = {'stage 1 (text only)': throughput(r1)}
        for name, packer in (('stage 2, fast-slow packer', True), ('stage 2, one grid per frame (baseline)', False)):
            cfg = dataclasses.replace(base, stage=2, init_from=str(d/'s1'), use_packer=packer)
            runs[name] = throughput(train_stage(cfg, 2, fx['video'], d/f's2-{packer}', verbose=False))
        print(f"{'training':40s} {'tokens/s':>10s} {'records/s':>10s} {'final loss':>11s}")
        for name, t in runs.items():
            print(f"{name:40s} {t['tokens_s']:10.0f} {10 * t['steps_s']:10.1f} {t['loss']:11.3f}")
        fs, full = runs['stage 2, fast-slow packer'], runs['stage 2, one grid per frame (baseline)']
        print(f"fast-slow packer: {fs['steps_s'] / full['steps_s']:.2f}x the records/s of one grid per frame\n")

        model = VideoLLM.from_pretrained(d/'s1').eval()
        paths = [fx['root']/r['video'] for r in read_llava_json(fx['video'])]
        costs = per_clip_costs(model, paths)
        print('per clip (8 frames, median ms): ' + ', '.join(f'{k} {v:.1f}' for k, v in costs.items())
              + f"; total {sum(costs.values()):.1f}")
        siglip = VideoLLM.from_parts(str(build_tiny('siglip', d/'siglip')), decoder).eval()
        c2 = per_clip_costs(siglip, paths)
        print(f"  with the SigLIP twin: vision forward {c2['vision forward']:.1f} ms\n")
    t = token_count_table()
    print('visual tokens per clip (4 marker tokens on top):')
    print(t.to_string(index=False))


if __name__ == '__main__':
    main()
