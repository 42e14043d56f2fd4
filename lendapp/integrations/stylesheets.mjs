// CSS rewrites for first_paint.mjs: trimming each page's critical CSS and pruning the global
// stylesheet of rules that cost more than they give in lendapp.
//
// The npm packages come from the frontend folder (the current directory when first_paint.mjs
// runs). postcss, htmlparser2 and css-select are dependencies of beasties, so they are resolved
// from there.
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.cwd(), "package.json"));
const fromBeasties = createRequire(require.resolve("beasties"));
const postcss = fromBeasties("postcss");
const { parseDocument } = fromBeasties("htmlparser2");
const { selectOne } = fromBeasties("css-select");

// beasties puts the critical rules in one <style> element right before the deferred stylesheet.
const CRITICAL_STYLE = /<style>([\s\S]*?)<\/style>(?=<link[^>]*media="print")/;
const VAR_REFERENCE = /var\(\s*(--[\w-]+)/g;

// Pseudo-classes that depend on what the user does or on the state of a form control, and
// pseudo-elements. A prerendered page shows none of these states, so a rule is kept when its
// selector matches with them removed.
const STATE_PSEUDO_CLASS =
  /:(?:hover|focus|focus-visible|focus-within|active|visited|link|checked|disabled|enabled|placeholder-shown|-webkit-autofill|autofill|invalid|valid|user-invalid|user-valid|required|optional|target|read-only|read-write|indeterminate|default|popover-open|open|modal|fullscreen)(?![\w(-])/g;
const PSEUDO_ELEMENT =
  /::?(?:before|after|placeholder|selection|backdrop|marker|first-line|first-letter|file-selector-button|-webkit-[\w-]+|-moz-[\w-]+)(?![\w(-])/g;

// Report whether a selector can match an element of the page. A selector that css-select cannot
// parse counts as matching, so an unknown syntax never costs the page a rule.
function selectorMayMatch(selector, document) {
  const structural = selector.replace(PSEUDO_ELEMENT, "").replace(STATE_PSEUDO_CLASS, "").trim();
  if (structural === "" || /[>+~]$/.test(structural)) {
    return true;
  }
  try {
    return selectOne(structural, document) !== null;
  } catch {
    return true;
  }
}

// beasties 0.3.5 matches a selector with every pseudo-class removed, :where() and :is()
// included, so ".rt-Heading:where(.md\:rt-r-size-6)" counts as a match for any heading and the
// home page carried every responsive variant at all five breakpoints (112 KB of critical CSS).
// Match each selector again with :where(), :is(), :not() and :has() kept.
function dropUnmatchedRules(root, document) {
  let dropped = 0;
  root.walkRules((rule) => {
    if (rule.parent.type === "atrule" && rule.parent.name.endsWith("keyframes")) {
      return;
    }
    const matching = rule.selectors.filter((selector) => selectorMayMatch(selector, document));
    if (matching.length === 0) {
      rule.remove();
      dropped += 1;
    } else if (matching.length < rule.selectors.length) {
      rule.selectors = matching;
    }
  });
  return dropped;
}

// The critical rules keep every theme token of the 31 Radix colors (about 50 KB) because
// :root matches every page. Drop each custom property that neither the critical rules nor the
// page's own inline styles read, repeating until nothing changes because dropping one can
// orphan the tokens it referred to. The full stylesheet still defines all of them.
function dropUnreadCustomProperties(root, pageWithoutCritical) {
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
      return;
    }
  }
}

function dropEmptyContainers(root) {
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
}

// Trim the critical CSS that beasties inlined into a page: rules no element of the page matches,
// then the custom properties nothing reads. Returns the page unchanged when it has no critical CSS.
export function refineCriticalCss(html) {
  const match = html.match(CRITICAL_STYLE);
  if (!match) {
    return html;
  }
  const root = postcss.parse(match[1]);
  const pageWithoutCritical = html.replace(CRITICAL_STYLE, "");
  dropUnmatchedRules(root, parseDocument(pageWithoutCritical));
  dropUnreadCustomProperties(root, pageWithoutCritical);
  dropEmptyContainers(root);
  return html.replace(CRITICAL_STYLE, () => `<style>${root.toString()}</style>`);
}

// Radix Themes 3.3 copies the root theme's appearance to :root as "color-scheme: light" or
// "dark" through ":root:where(:has(.radix-themes[data-is-root-theme=true]:where(.light)))" and
// its dark twin. Reflex's inline <head> script already writes that color-scheme into the style
// attribute of <html>, which wins over these rules, so dropping them changes no computed style.
// They cost a lot: with :root as the subject of :has(), Chrome restyles the whole document
// after every DOM insertion, including each preload link and each React commit.
const ROOT_HAS_SELECTOR = /^:root:where\(:has\(/;

// Radix Themes 3.3 declares "Segoe UI (Custom)" and "Open Sans (Custom)" with local() sources
// only, to tune those system fonts' metrics where Windows or a Linux desktop has them. Phones have
// neither font. In Chromium 156 every such face in the late stylesheet counted as a font change
// and laid out every text node of the page again (6 ms of the 20 ms task in a trace of the home
// page). Without them a browser takes the next family of Radix's font stack that it has: Roboto
// on Android, usually system-ui (Segoe UI) on Windows.
const LOCAL_ONLY_SOURCES = /^\s*local\([^)]*\)(\s*,\s*local\([^)]*\))*\s*$/;

function isLocalOnlyFontFace(atRule) {
  const sources = atRule.nodes.filter((node) => node.type === "decl" && node.prop === "src");
  return sources.length > 0 && sources.every((source) => LOCAL_ONLY_SOURCES.test(source.value));
}

// Drop the :root:has() selectors and the local()-only @font-face rules from a built stylesheet
// in place. Returns how many of each were dropped.
export async function pruneStylesheet(cssFile) {
  const root = postcss.parse(await readFile(cssFile, "utf8"));
  const dropped = { rootHasSelectors: 0, localFontFaces: 0 };
  root.walkRules((rule) => {
    const remaining = rule.selectors.filter((selector) => !ROOT_HAS_SELECTOR.test(selector.trim()));
    dropped.rootHasSelectors += rule.selectors.length - remaining.length;
    if (remaining.length === 0) {
      rule.remove();
    } else if (remaining.length < rule.selectors.length) {
      rule.selectors = remaining;
    }
  });
  root.walkAtRules("font-face", (atRule) => {
    if (isLocalOnlyFontFace(atRule)) {
      atRule.remove();
      dropped.localFontFaces += 1;
    }
  });
  if (dropped.rootHasSelectors + dropped.localFontFaces > 0) {
    await writeFile(cssFile, root.toString());
  }
  return dropped;
}
