// Rewrite each prerendered page of the production build so that it paints before any script loads.
//
// Usage (run from the frontend folder, whose node_modules contains beasties):
//   node first_paint.mjs STATIC_DIR
//
// Reflex 0.10.1 pages carry the whole Radix Themes stylesheet (about 700 KB, 83 KB gzipped)
// as a render-blocking link and preload every hydration module in <head>. On a phone with
// a slow connection the text of the prerendered page waits for all of it. For each page this
// script:
//   0. drops the stylesheet's :root:has() selectors, which never match in lendapp (see below);
//   1. inlines the CSS rules that match the page's own elements (beasties), without the theme
//      tokens nothing on the page reads, and loads the full stylesheet without blocking
//      rendering (media="print" switched to "all" on load);
//   2. drops the separate preload of that stylesheet, which would compete with the page;
//   3. starts the modules (the same preloads and the same bootstrap module) after the first
//      frame, or after START_TIMEOUT_MS when the tab is in the background and gets no frames.
// Pages that do not look like React Router's output are left as they are and counted.
// Files with the same content (Reflex copies route/index.html to route.html) are rewritten once.
import { createHash } from "node:crypto";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.cwd(), "package.json"));
const Beasties = require("beasties");
// postcss is a dependency of beasties, so resolve it from there.
const postcss = createRequire(require.resolve("beasties"))("postcss");

const START_TIMEOUT_MS = 1000;
const PRELOADS_PER_TASK = 1;
const STYLE_PRELOAD = /<link as="style" href="[^"]+\.css" rel="preload"\/?>/g;
const MODULE_PRELOAD = /<link rel="modulepreload" href="([^"]+)"\/?>/g;
const BOOTSTRAP_MODULE = /<script type="module" async="">([\s\S]*?)<\/script>/;

// JSON text is also a JavaScript literal. Escaping "<" keeps a "</script>" inside it from
// closing the surrounding element.
function scriptLiteral(value) {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function deferModules(html) {
  const bootstrap = html.match(BOOTSTRAP_MODULE);
  if (!bootstrap) {
    return null;
  }
  const modules = [...html.matchAll(MODULE_PRELOAD)].map((match) => match[1]);
  // Each request start costs the main thread several milliseconds, so the preloads are added
  // PRELOADS_PER_TASK at a time with a task boundary in between. Adding all 38 of the home
  // page in one task blocked input for 180 ms in a Lighthouse trace on a 2-core machine.
  const starter =
    "<script>(function(){var started=false;" +
    `var modules=${scriptLiteral(modules)};` +
    "function preload(index){" +
    `modules.slice(index,index+${PRELOADS_PER_TASK}).forEach(function(href){` +
    'var link=document.createElement("link");link.rel="modulepreload";link.href=href;document.head.appendChild(link)});' +
    `if(index+${PRELOADS_PER_TASK}<modules.length){setTimeout(preload,0,index+${PRELOADS_PER_TASK});return}` +
    'var script=document.createElement("script");script.type="module";' +
    `script.textContent=${scriptLiteral(bootstrap[1])};document.body.appendChild(script)}` +
    "function start(){if(started)return;started=true;preload(0)}" +
    "requestAnimationFrame(function(){setTimeout(start,0)});" +
    `setTimeout(start,${START_TIMEOUT_MS})})()</script>`;
  return html.replace(MODULE_PRELOAD, "").replace(BOOTSTRAP_MODULE, () => starter);
}

// beasties puts the critical rules in one <style> element right before the deferred stylesheet.
const CRITICAL_STYLE = /<style>([\s\S]*?)<\/style>(?=<link[^>]*media="print")/;
const VAR_REFERENCE = /var\(\s*(--[\w-]+)/g;

// The critical rules keep every theme token of the 31 Radix colors (about 50 KB) because
// :root matches every page. Drop each custom property that neither the critical rules nor the
// page's own inline styles read, repeating until nothing changes because dropping one can
// orphan the tokens it referred to. The full stylesheet still defines all of them.
function dropUnreadCustomProperties(html) {
  const match = html.match(CRITICAL_STYLE);
  if (!match) {
    return html;
  }
  const root = postcss.parse(match[1]);
  const pageWithoutCritical = html.replace(CRITICAL_STYLE, "");
  for (;;) {
    const read = new Set();
    const text = root.toString() + pageWithoutCritical;
    for (const reference of text.matchAll(VAR_REFERENCE)) {
      read.add(reference[1]);
    }
    let dropped = 0;
    root.walkDecls((declaration) => {
      if (declaration.prop.startsWith("--") && !read.has(declaration.prop)) {
        declaration.remove();
        dropped += 1;
      }
    });
    if (dropped === 0) {
      break;
    }
  }
  root.walkRules((rule) => {
    if (rule.nodes.length === 0) {
      rule.remove();
    }
  });
  // Removing an empty @media can empty the @supports around it, so repeat until none is left.
  for (let removed = 1; removed > 0; ) {
    removed = 0;
    root.walkAtRules((atRule) => {
      if (atRule.nodes && atRule.nodes.length === 0) {
        atRule.remove();
        removed += 1;
      }
    });
  }
  return html.replace(CRITICAL_STYLE, () => `<style>${root.toString()}</style>`);
}

async function filesEndingWith(directory, suffix) {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

// Radix Themes 3.3 gives :root the color scheme of a root theme that sets its appearance
// through selectors such as ":root:where(:has(.radix-themes[data-is-root-theme=true]:where(.light)))".
// lendapp's theme inherits its appearance from the class on <html>, so these selectors never
// match. They still cost a lot: with :root as the subject of :has(), Chrome restyles the whole
// document after every DOM insertion, including each preload link and each React commit.
const ROOT_HAS_SELECTOR = /^:root:where\(:has\(/;

async function dropRootHasSelectors(cssFile) {
  const root = postcss.parse(await readFile(cssFile, "utf8"));
  let dropped = 0;
  root.walkRules((rule) => {
    const remaining = rule.selectors.filter((selector) => !ROOT_HAS_SELECTOR.test(selector.trim()));
    dropped += rule.selectors.length - remaining.length;
    if (remaining.length === 0) {
      rule.remove();
    } else if (remaining.length < rule.selectors.length) {
      rule.selectors = remaining;
    }
  });
  if (dropped > 0) {
    await writeFile(cssFile, root.toString());
  }
  return dropped;
}

async function main() {
  const staticDir = process.argv[2];
  if (!staticDir) {
    console.error("usage: first_paint.mjs STATIC_DIR");
    process.exit(2);
  }
  const beasties = new Beasties({
    path: staticDir,
    publicPath: "/",
    preload: "media",
    noscriptFallback: true,
    // Emotion's inline <style> tags belong to components that may render later, so keep them whole.
    reduceInlineStyles: false,
    // Radix's @font-face rules point at local() fonts; leaving them in the full stylesheet keeps
    // the first paint from waiting on the system font lookup.
    fonts: false,
    // beasties 0.3.5 strips pseudo-classes greedily before matching, so ":where(.radix-themes)"
    // (where Radix keeps its theme tokens) and ":where(.rt-Link) .rt-Code" come out empty and
    // would be dropped. Keep every selector that starts with :where()/:is() or is a bare
    // pseudo-element. Together they are under 20 KB.
    allowRules: [/^:(?:where|is)\(/, /^::?[a-z-]+$/],
    logLevel: "warn",
  });
  let droppedSelectors = 0;
  for (const file of await filesEndingWith(staticDir, ".css")) {
    droppedSelectors += await dropRootHasSelectors(file);
  }
  const rewritten = new Map();
  let skipped = 0;
  for (const file of await filesEndingWith(staticDir, ".html")) {
    const original = await readFile(file, "utf8");
    const key = createHash("sha256").update(original).digest("hex");
    if (!rewritten.has(key)) {
      const deferred = deferModules(original.replace(STYLE_PRELOAD, ""));
      if (deferred === null) {
        skipped += 1;
        rewritten.set(key, original);
      } else {
        rewritten.set(key, dropUnreadCustomProperties(await beasties.process(deferred)));
      }
    }
    await writeFile(file, rewritten.get(key));
  }
  console.log(
    `first paint: ${rewritten.size - skipped} distinct pages rewritten, ${skipped} left as built, ` +
      `${droppedSelectors} :root:has() selectors dropped`,
  );
}

await main();
