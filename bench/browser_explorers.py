"""The two explorers in a real JupyterLab, driven through headless Chromium as a user would.

For each explorer it writes a small notebook that builds real data (synthetic GRID clips and their mosaics; a scene
index of the shared real clips, or of synthetic shots without them, with the offline tiny twins), opens it in
JupyterLab, runs it, and checks in the browser that
- the widget renders, its pictures shown at the size they are drawn (no stretching),
- the mosaic explorer: choosing another video and another speaker updates the transcript line,
- the index explorer: a query typed and submitted with Enter lists the hits; switching the embedding redraws the plot;
  the twin note is shown.
It prints how long each step took (seconds, in the browser) and can save a screenshot of each widget.

    .venv/bin/python bench/browser_explorers.py [--only mosaic|index] [--screenshots nbs/images]

Needs Debian's chromium (`apt-get install chromium`) and playwright from PyPI (`pip install playwright`; its own
browser downloads are not used). Without them it prints SKIP and exits 0; a failed check exits 1.
"""
import argparse, io, json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = '/usr/bin/chromium'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync']

SETUP = {
    'mosaic': '''\
from pathlib import Path
from vlmnb.lipread.grid import GridLayout, make_synthetic_grid
from vlmnb.lipread.mosaic import build_mosaics
from vlmnb.lipread.explorer import mosaic_explorer
make_synthetic_grid('grid', speakers=('s1', 's2'), per_speaker=3)
print(build_mosaics(GridLayout('grid'), speakers='s1', progress=False).summary())   # s2: made when chosen''',
    'index': '''\
import os, shutil
os.environ.setdefault('HF_HUB_OFFLINE', '1')
from pathlib import Path
from vlmnb.utils import shared_data_dir
from vlmnb.scenes import colour_blocks, write_video
from vlmnb.index.encode import EncodeConfig, build_index, load_index
from vlmnb.index.explorer import index_explorer
Path('videos').mkdir(exist_ok=True)
sd = shared_data_dir()
if sd is None: write_video('videos/blocks.mp4', (f for _, _, f in colour_blocks()))
else:
    for name in ('goldeneye-vfr-drop3.mp4', 'fades.mp4'): shutil.copy(sd/'scenes'/name, 'videos')
print(build_index('videos', 'index', EncodeConfig(audio=False, frames_per_scene=8, caption_tokens=8),
                  progress=False).summary())''',
}
SHOW = {'mosaic': "mosaic_explorer('grid')", 'index': "index_explorer(load_index('index'))"}


def missing() -> str:
    "Why the browser check cannot run here ('' when it can)."
    if not Path(CHROMIUM).exists(): return f'{CHROMIUM} not found (apt-get install chromium)'
    try: import playwright.sync_api  # noqa: F401
    except ImportError: return 'playwright is not installed (pip install playwright)'
    return ''


def write_notebook(path: Path, kind: str):
    "A two-cell notebook: build the data, show the explorer."
    cells = [dict(cell_type='code', metadata={}, execution_count=None, outputs=[], source=src)
             for src in (SETUP[kind], SHOW[kind])]
    nb = dict(cells=cells, nbformat=4, nbformat_minor=5,
              metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python')))
    path.write_text(json.dumps(nb, indent=1))


def free_port(preferred: int = 8899) -> int:
    "`preferred` when nothing listens there, else a free port."
    with socket.socket() as s:
        try: s.bind(('127.0.0.1', preferred)); return preferred
        except OSError: pass
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def start_lab(port: int, state_dir: Path) -> subprocess.Popen:
    "JupyterLab on `port` serving the repository, without token; returns once it answers."
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(state_dir/'runtime'), JUPYTERLAB_WORKSPACES_DIR=str(state_dir),
               OMP_NUM_THREADS='1')
    cmd = [str(Path(sys.executable).parent/'jupyter'), 'lab', '--no-browser', f'--port={port}',
           '--IdentityProvider.token=', f'--ServerApp.root_dir={ROOT}',
           '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate']
    if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=open(state_dir/'lab.log', 'w'))
    for _ in range(240):
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status', timeout=1); return proc
        except OSError: time.sleep(0.5)
        if proc.poll() is not None: break
    proc.terminate()
    raise RuntimeError(f"JupyterLab did not start: {(state_dir/'lab.log').read_text()[-2000:]}")


def shown_vs_natural(img) -> dict:
    "Displayed and natural size of an <img> element."
    return img.evaluate('e => ({shown: [Math.round(e.getBoundingClientRect().width), '
                        'Math.round(e.getBoundingClientRect().height)], natural: [e.naturalWidth, e.naturalHeight]})')


def html_of(page, widget) -> str:
    return widget.evaluate('e => e.innerHTML')


def wait_change(page, locator, before: str, timeout: float = 120) -> float:
    "Seconds until the inner HTML of `locator` differs from `before`."
    t = time.time()
    locator.element_handle().wait_for_element_state('visible')
    page.wait_for_function('([e, b]) => e.innerHTML !== b', arg=[locator.element_handle(), before],
                           timeout=timeout * 1000)
    return time.time() - t


def open_and_run(page, port: int, nb_rel: str) -> float:
    "Open the notebook, run all cells, wait for the widget; seconds from 'Run All' to the widget shown."
    page.goto(f'http://127.0.0.1:{port}/lab/tree/{nb_rel}')
    page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=120_000)
    try: page.click('.jp-Dialog .jp-mod-accept', timeout=10_000)        # "Select Kernel": the notebook's own
    except Exception: pass                                                # no dialog: the kernel starts by itself
    page.wait_for_function("() => [...document.querySelectorAll('.jp-Notebook-ExecutionIndicator')]"
                           ".some(e => e.dataset.status === 'idle')", timeout=120_000)      # the kernel is up
    news = page.locator('.jp-Notification-Toast-Close')                  # "get notified about Jupyter news?"
    if news.count(): news.first.click()
    page.click('.lm-MenuBar-itemLabel:text-is("Run")')
    page.click('.lm-Menu-item:has-text("Run All Cells")')
    t = time.time()
    page.wait_for_selector('.jp-OutputArea-output .widget-vbox', timeout=180_000)
    page.wait_for_selector('.jp-OutputArea-output .widget-vbox img.widget-image', timeout=60_000)
    return time.time() - t


def dropdown(page, label: str):
    return page.locator(f'.widget-dropdown:has(label:text-is("{label}")) select')


def check_mosaic(page, report: dict) -> list:
    "Drive the mosaic explorer; returns the failed checks."
    fails, box = [], page.locator('.jp-OutputArea-output .widget-vbox').first
    text = box.locator('.widget-html-content').first
    imgs = box.locator('img.widget-image')
    sizes = [shown_vs_natural(imgs.nth(i)) for i in range(imgs.count())]
    report['image sizes (shown, natural)'] = sizes
    want = [[400, 240], [768, 192]]
    if [s['shown'] for s in sizes] != want: fails.append(f'images shown at {sizes}, want {want}')
    if [s['natural'] for s in sizes][:1] != want[:1]: fails.append(f'mosaic drawn at {sizes[0]}, not 400x240')
    before = html_of(page, text)
    dropdown(page, 'video').select_option(index=1)
    report['choose another video (s)'] = round(wait_change(page, text, before), 2)
    before = html_of(page, text)
    dropdown(page, 'speaker').select_option('s2')
    report['choose another speaker, mosaic made on the fly (s)'] = round(wait_change(page, text, before), 2)
    if 'made on the fly' not in html_of(page, text): fails.append(f'speaker s2 did not show: {html_of(page, text)}')
    dropdown(page, 'speaker').select_option('s1')
    wait_change(page, text, html_of(page, text))
    return fails


def check_index(page, report: dict) -> list:
    "Drive the index explorer; returns the failed checks."
    fails, box = [], page.locator('.jp-OutputArea-output .widget-vbox').first
    htmls = box.locator('.widget-html-content')
    if 'tiny twins' not in html_of(page, htmls.first): fails.append('no twin note above the plot')
    hits = htmls.last
    query = page.locator('.widget-text:has(label:text-is("query")) input')
    query.fill('a man walks through a dark room')
    time.sleep(1.0)
    if html_of(page, hits).strip(): fails.append('typing alone searched')
    query.press('Enter')
    report['query submitted with Enter (s)'] = round(wait_change(page, hits, ''), 2)
    if '.mp4' not in html_of(page, hits): fails.append(f'no hits listed after Enter: {html_of(page, hits)}')
    plot = box.locator('img.widget-image').first
    before = plot.get_attribute('src')
    dropdown(page, 'embedding').select_option('video')
    t = time.time()
    page.wait_for_function('([e, b]) => e.getAttribute("src") !== b', arg=[plot.element_handle(), before])
    report['switch embedding (s)'] = round(time.time() - t, 2)
    info, scenes = htmls.nth(1), dropdown(page, 'scene')
    before = html_of(page, info)
    scenes.select_option(index=scenes.locator('option').count() - 1)   # the last scene: a film shot in the real data
    report['choose another scene (s)'] = round(wait_change(page, info, before), 2)
    time.sleep(0.5)
    sizes = [shown_vs_natural(box.locator('img.widget-image').nth(i)) for i in range(2)]
    report['image sizes (shown, natural)'] = sizes
    if sizes[0]['shown'] != [432, 336]: fails.append(f'plot shown at {sizes[0]["shown"]}, want 432x336')
    if sizes[1]['shown'] != sizes[1]['natural']: fails.append(f'keyframe stretched: {sizes[1]}')
    return fails


def where_failed(page, kind: str) -> str:
    "Save a screenshot of the whole page in the temporary folder; returns its path and the outputs' text."
    out = Path(tempfile.gettempdir())/f'browser_explorers_{kind}_failed.png'
    page.screenshot(path=str(out), full_page=True)
    texts = page.locator('.jp-OutputArea-output').all_inner_texts()
    return f"{out}; outputs: {[t[-1500:] for t in texts]}"


def screenshot(page, out: Path, max_bytes: int = 200_000):
    "PNG of the widget, cropped to its content; quantized to 256 colours when larger than `max_bytes`."
    from PIL import Image, ImageChops
    png = page.locator('.jp-OutputArea-output .widget-vbox').first.screenshot(type='png')
    im = Image.open(io.BytesIO(png)).convert('RGB')
    box = ImageChops.difference(im, Image.new('RGB', im.size, 'white')).getbbox()   # drop the empty right margin
    if box: im = im.crop((0, 0, min(im.width, box[2] + 8), im.height))
    for colors in (None, 256, 128):
        q = im if colors is None else im.quantize(colors, method=Image.Quantize.MEDIANCUT)
        buf = io.BytesIO(); q.save(buf, format='PNG', optimize=True)
        if buf.tell() <= max_bytes: break
    out.parent.mkdir(parents=True, exist_ok=True); out.write_bytes(buf.getvalue())
    return im.size, buf.tell()


def run(kinds, shots: Path | None) -> int:
    from playwright.sync_api import sync_playwright
    work = Path(tempfile.mkdtemp(prefix='_browser_check_', dir=ROOT))
    lab, failed = None, 0
    try:
        for kind in kinds: (work/kind).mkdir(); write_notebook(work/kind/f'{kind}_explorer.ipynb', kind)
        port = free_port(); t = time.time(); lab = start_lab(port, work)
        print(f'JupyterLab up in {time.time() - t:.1f} s on port {port}')
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for kind in kinds:
                page = browser.new_page(viewport={'width': 1280, 'height': 1100}, device_scale_factor=1)
                try:
                    report = {'build data and show the widget (s)': round(open_and_run(
                        page, port, f'{work.name}/{kind}/{kind}_explorer.ipynb'), 1)}
                    fails = (check_mosaic if kind == 'mosaic' else check_index)(page, report)
                except Exception:
                    print(f'{kind}: the page as it was:', where_failed(page, kind)); raise
                if shots is not None:
                    size, n = screenshot(page, shots/f'explorer_{kind}.png')
                    report['screenshot'] = f"{shots/f'explorer_{kind}.png'} {size[0]}x{size[1]}, {n / 1000:.0f} KB"
                print(f'{kind} explorer:'); [print(f'  {k}: {v}') for k, v in report.items()]
                for f in fails: print(f'FAIL {kind}: {f}')
                failed += len(fails)
                page.close()
            browser.close()
    finally:
        if lab is not None: lab.terminate(); lab.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    print('all browser checks passed' if not failed else f'{failed} browser checks failed')
    return 1 if failed else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', choices=['mosaic', 'index'], help='one explorer only')
    ap.add_argument('--screenshots', type=Path, help='folder for explorer_mosaic.png / explorer_index.png')
    a = ap.parse_args(argv)
    why = missing()
    if why: print(f'SKIP: browser check not run: {why}'); return 0
    return run([a.only] if a.only else ['mosaic', 'index'], a.screenshots)


if __name__ == '__main__': sys.exit(main())
