// The replay HTML report as a browser shows it: `icans-cds replay --report`
// for two examples, opened in headless Chromium (the Debian package
// `chromium`) and inspected through the Chrome DevTools Protocol over a pipe
// (no WebSocket, no npm package). Checks: the timeline SVG is there and has a
// size; its points are those of `replay --format json`; the page logs no
// error, throws nothing and loads nothing but itself. Run by ctest as
// e2e_report, or directly:
//   ICANS_BINARY=build/icans-cds node --test tests/e2e/report.test.mjs
// A missing Chromium fails the test; it never skips.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BINARY = process.env.ICANS_BINARY ?? join(ROOT, 'build', 'icans-cds');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 30000;
const MS_PER_DAY = 86400000;

const EXAMPLES = [
  // markers: the kinds of treatment charted as given (examples/README.md).
  { bundle: 'axicel-icans-grade3.json', patient: 'axicel-icans3', tool: 'ICE',
    markers: ['levetiracetam', 'steroid', 'tocilizumab'] },
  { bundle: 'pediatric-tisacel-capd.json', patient: 'peds-tisacel-capd', tool: 'CAPD', markers: [] },
];

let work;
let browser;

// ---- Chromium over the DevTools pipe (fd 3 in, fd 4 out, NUL-separated JSON) ----

class Browser {
  constructor(child) {
    this.child = child;
    this.nextId = 1;
    this.pending = new Map();
    this.events = [];
    this.listeners = new Set();
    this.stderr = '';
    let buffer = '';
    child.stdio[4].on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\0'); end >= 0; end = buffer.indexOf('\0')) {
        const message = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        if (message.id !== undefined && this.pending.has(message.id)) {
          const { resolve, reject } = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) reject(new Error(`${message.error.message} (${message.error.code})`));
          else resolve(message.result);
        } else if (message.method) {
          this.events.push(message);
          for (const listener of this.listeners) listener(message);
        }
      }
    });
    child.stderr.on('data', (chunk) => { this.stderr += chunk.toString('utf8'); });
    child.on('exit', () => {
      for (const { reject } of this.pending.values()) reject(new Error('chromium exited'));
      this.pending.clear();
    });
  }

  static launch(userDataDir) {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: install the Debian package (apt-get install chromium) ` +
                      'or set CHROMIUM to its path; this test does not skip');
    }
    // detached: Chromium leads its own process group, so close() can reach
    // the renderer and utility processes that outlive a killed browser process
    // and would otherwise keep writing into the profile being removed.
    const child = spawn(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${userDataDir}`, '--remote-debugging-pipe', '--window-size=1200,900', 'about:blank',
    ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
    return new Browser(child);
  }

  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${method} within ${STEP_TIMEOUT_MS} ms; chromium stderr:\n${this.stderr.slice(-2000)}`));
      }, STEP_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (result) => { clearTimeout(timer); resolve(result); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
      this.child.stdio[3].write(JSON.stringify(message) + '\0');
    });
  }

  waitFor(predicate, what) {
    const seen = this.events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`${what} did not happen within ${STEP_TIMEOUT_MS} ms`));
      }, STEP_TIMEOUT_MS);
      const listener = (event) => {
        if (!predicate(event)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(event);
      };
      this.listeners.add(listener);
    });
  }

  // Asks Chromium to quit, then kills whatever of its process group is left,
  // and resolves once the browser process has exited.
  async close() {
    const exited = new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', resolve);
    });
    const quit = this.send('Browser.close').catch(() => {});
    let timer;
    const patience = new Promise((resolve) => { timer = setTimeout(resolve, 5000); });
    await Promise.race([Promise.all([quit, exited]), patience]);
    clearTimeout(timer);
    try { process.kill(-this.child.pid, 'SIGKILL'); } catch { /* the group is already gone */ }
    await exited;
  }
}

// Opens `url` in a new page; returns what the page did and what `expression` evaluated to.
async function inspectPage(url, expression) {
  const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
  for (const domain of ['Page', 'Runtime', 'Log', 'Network']) await browser.send(`${domain}.enable`, {}, sessionId);
  const from = browser.events.length;
  await browser.send('Page.navigate', { url }, sessionId);
  await browser.waitFor((e) => e.sessionId === sessionId && e.method === 'Page.loadEventFired', `load of ${url}`);
  const { result, exceptionDetails } = await browser.send('Runtime.evaluate',
    { expression, returnByValue: true }, sessionId);
  assert.equal(exceptionDetails, undefined, `the inspection script failed: ${JSON.stringify(exceptionDetails)}`);
  const events = browser.events.slice(from).filter((e) => e.sessionId === sessionId);
  await browser.send('Target.closeTarget', { targetId });
  return { value: result.value, events };
}

// Everything the test compares, read from the rendered page.
const INSPECT = `(() => {
  const box = (element) => { const r = element.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; };
  return [...document.querySelectorAll('section.patient')].map((section) => {
    const svg = section.querySelector('svg.timeline');
    return {
      patient: section.dataset.patient,
      svg: svg ? box(svg) : null,
      evalPoints: [...section.querySelectorAll('g.eval-point')].map((g) => ({ ...g.dataset, boxes: [...g.querySelectorAll('circle')].map(box) })),
      icePoints: [...section.querySelectorAll('g.ice-point')].map((g) => ({ ...g.dataset, box: box(g.querySelector('circle')) })),
      capdPoints: [...section.querySelectorAll('g.capd-point')].map((g) => ({ ...g.dataset, box: box(g.querySelector('circle')) })),
      markers: [...section.querySelectorAll('g.marker')].map((g) => g.dataset.kind),
      rows: section.querySelectorAll('table.points tr.point').length,
      scripts: document.querySelectorAll('script').length,
    };
  });
})()`;

const nullable = (value) => (value === null || value === undefined ? 'null' : String(value));

function inside(inner, outer) {
  return inner.width > 0 && inner.height > 0 && inner.x >= outer.x - 1 && inner.y >= outer.y - 1 &&
    inner.x + inner.width <= outer.x + outer.width + 1 && inner.y + inner.height <= outer.y + outer.height + 1;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'icans-report-'));
  browser = Browser.launch(join(work, 'chromium-profile'));
});

after(async () => {
  await browser?.close();
  // Retries cover a crashpad or utility process that flushes one last file
  // into the profile while the group is being torn down.
  if (work) rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

for (const example of EXAMPLES) {
  test(`the report of ${example.bundle} draws what replay --format json says, without a console error`, async () => {
    const bundle = join(ROOT, 'examples', example.bundle);
    const report = join(work, `${example.bundle}.html`);
    execFileSync(BINARY, ['replay', bundle, '--report', report], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const evaluations = JSON.parse(execFileSync(BINARY, ['replay', '--format', 'json', bundle],
      { cwd: ROOT, maxBuffer: 256 << 20 }).toString('utf8'));
    const url = pathToFileURL(report).href;

    const { value: sections, events } = await inspectPage(url, INSPECT);

    // Nothing went wrong in the page, and it loaded nothing but itself.
    const errors = events.filter((e) =>
      (e.method === 'Runtime.consoleAPICalled' && ['error', 'assert'].includes(e.params.type)) ||
      e.method === 'Runtime.exceptionThrown' ||
      (e.method === 'Log.entryAdded' && e.params.entry.level === 'error'));
    assert.deepEqual(errors.map((e) => JSON.stringify(e.params)), [], 'console errors or exceptions');
    const requests = events.filter((e) => e.method === 'Network.requestWillBeSent').map((e) => e.params.request.url);
    assert.deepEqual(requests.filter((r) => r !== url), [], 'the report must load nothing but itself');

    assert.equal(sections.length, 1);
    const page = sections[0];
    assert.equal(page.patient, example.patient);
    assert.equal(page.scripts, 0);
    assert.ok(page.svg, 'the timeline SVG is drawn');
    assert.ok(page.svg.width >= 600 && page.svg.height >= 200, `SVG size ${page.svg.width}x${page.svg.height}`);

    // One point per evaluation, with the evaluation's values, inside the chart.
    const mine = evaluations.filter((e) => e.patient === example.patient);
    assert.equal(page.evalPoints.length, mine.length, 'one point per evaluation');
    assert.equal(page.rows, mine.length, 'one table row per evaluation');
    mine.forEach((e, i) => {
      const point = page.evalPoints[i];
      assert.equal(point.at, e.at);
      assert.equal(point.icans, nullable(e.icans_grade), `ICANS at ${e.at}`);
      assert.equal(point.crs, nullable(e.crs_grade), `CRS at ${e.at}`);
      assert.equal(point.ice, nullable(e.ice_score), `ICE at ${e.at}`);
      assert.equal(point.capd, nullable(e.capd_score), `CAPD at ${e.at}`);
      const day = (Date.parse(e.at) - Date.parse(e.infusion)) / MS_PER_DAY;
      assert.ok(Math.abs(Number(point.day) - day) < 0.001, `day ${point.day} vs ${day}`);
      assert.equal(point.boxes.length, 2);
      for (const circle of point.boxes) assert.ok(inside(circle, page.svg), `point at ${e.at} lies inside the chart`);
    });
    // The grades increase upwards: a higher ICANS grade is drawn higher.
    const atGrade = (g) => page.evalPoints.find((p) => p.icans === String(g));
    const low = atGrade(0);
    const high = atGrade(Math.max(...mine.map((e) => e.icans_grade ?? 0)));
    assert.ok(low && high && high !== low && high.boxes[0].y < low.boxes[0].y, 'higher grades are drawn higher');

    // One score point per distinct assessment of the example's tool.
    const assessments = new Map();
    for (const e of mine) {
      if (e.assessment && e.assessment.tool === example.tool && e.assessment.score !== null) {
        assessments.set(e.assessment.time, e.assessment.score);
      }
    }
    const scorePoints = example.tool === 'ICE' ? page.icePoints : page.capdPoints;
    assert.ok(assessments.size > 3);
    assert.equal(scorePoints.length, assessments.size, 'one score point per assessment');
    for (const point of scorePoints) {
      assert.equal(point[example.tool.toLowerCase()], String(assessments.get(point.at)), `score at ${point.at}`);
      assert.ok(inside(point.box, page.svg));
    }
    assert.equal((example.tool === 'ICE' ? page.capdPoints : page.icePoints).length, 0);
    assert.deepEqual([...new Set(page.markers)].sort(), example.markers, 'treatment markers');
  });
}
