// Opens replsim's two exports in real viewers in headless Chromium and photographs them; run by
// docs/viewer-screens.sh, which serves the viewers and the files from BASE.
// Usage: node docs/viewer-screens.cjs BASE_URL FILES_DIR IMG_DIR
//   BASE_URL serves shiviz/, speedscope/ and trace.perfetto.json; FILES_DIR holds shiviz.log.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [base, files, out] = process.argv.slice(2);
if (!base || !files || !out) {
  console.error('usage: node docs/viewer-screens.cjs BASE_URL FILES_DIR IMG_DIR');
  process.exit(2);
}
const viewport = { width: 1200, height: 700 };

function die(what) {
  console.error('viewer-screens: ' + what);
  process.exit(1);
}

// ShiViz shows a refused log in its #errorbox; an empty box and a drawn graph mean it parsed and
// its clocks passed ShiViz's own checks (start at 1, rise by 1, consistent with the messages).
async function shivizDrew(page, how) {
  await page.waitForFunction(() => document.querySelector('#vizContainer svg') ||
                                   document.querySelector('#errorbox').textContent.trim(), null, { timeout: 20000 });
  const error = (await page.textContent('#errorbox')).trim();
  if (error)
    die(`ShiViz refused the log (${how}): ${error.slice(0, 400)}`);
  console.log(`shiviz (${how}): drawn, no error`);
}

async function shiviz(browser) {
  const log = fs.readFileSync(path.join(files, 'shiviz.log'), 'utf8');
  const [regex, delimiter] = log.split('\n', 2);
  const rest = log.slice(log.indexOf('\n', log.indexOf('\n') + 1) + 1);
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (e) => console.log('shiviz page error: ' + e.message));

  // 1. As a person pastes it: the regex in its field, the events in the log box, Visualize.
  await page.goto(base + '/shiviz/index.html');
  await page.click('.tabs li:nth-child(2)');
  await page.fill('#parser', regex);
  await page.fill('#delimiter', delimiter);
  await page.fill('#input', rest);
  await page.click('#visualize');
  await shivizDrew(page, 'pasted');

  // 2. As a file: ShiViz reads the regex from the first line and the delimiter from the second.
  await page.goto(base + '/shiviz/index.html');
  await page.click('.tabs li:nth-child(2)');
  await page.setInputFiles('#file', path.join(files, 'shiviz.log'));
  await shivizDrew(page, 'file');
  const parser = await page.inputValue('#parser');
  if (parser !== '^' + regex + '$')
    die('ShiViz did not take the first line as the regex: ' + parser);

  // The picture: the primary's crash, the losses and the backup taking over.
  const y = await page.$$eval('div.line', (lines) => {
    const crash = lines.find((l) => /fault crash start/.test(l.textContent));
    return crash ? crash.getBoundingClientRect().top + window.scrollY : 0;
  });
  await page.evaluate((top) => window.scrollTo(0, top), Math.max(0, y - 140));
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(out, 'export-shiviz.png') });
  await page.close();
}

// speedscope reads the Chrome trace-event format's complete slices ("X"), one thread at a time,
// and warns in the console about slices that do not nest; any such warning fails the capture.
async function speedscope(browser) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 220 } }); /* one row of bars */
  const warnings = [];
  page.on('console', (m) => {
    if (/Tried to end|still open|Failed|rror/.test(m.text()))
      warnings.push(m.text());
  });
  const url = base + '/trace.perfetto.json';
  await page.goto(base + '/speedscope/index.html#profileURL=' + encodeURIComponent(url));
  await page.waitForFunction(() => /\(\d+\/\d+\)/.test(document.body.innerText), null, { timeout: 20000 });
  // r2's send thread ("n" steps through the threads in file order), in Left Heavy view: what
  // the backup-turned-primary sent, by message, widest the most sent (each slice is 1 us).
  for (let i = 0; i < 40; i++) {
    const title = await page.evaluate(() => document.body.innerText.split('\n').find((l) => /\(pid \d+\)/.test(l)) || '');
    if (/^r2 \(pid \d+\), send \(tid 1\)/.test(title))
      break;
    if (i === 39)
      die('speedscope shows no "r2 ... send (tid 1)" thread');
    await page.keyboard.press('n');
    await page.waitForTimeout(100);
  }
  await page.keyboard.press('2');
  await page.waitForTimeout(800);
  if (warnings.length)
    die('speedscope warned: ' + warnings.slice(0, 3).join(' | '));
  const threads = await page.evaluate(() => (document.body.innerText.match(/\((\d+)\/(\d+)\)/) || [])[2]);
  console.log(`speedscope: imported, ${threads} threads, no warning`);
  await page.screenshot({ path: path.join(out, 'export-perfetto.png') });
  await page.close();
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  try {
    console.log('chromium ' + browser.version());
    await shiviz(browser);
    await speedscope(browser);
  } finally {
    await browser.close();
  }
})().catch((e) => die(e.message));
