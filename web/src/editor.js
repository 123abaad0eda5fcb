// The query editor: CodeMirror 6 with the SPARQL mode, completion from the graph (/completion), the implicit
// prefixes, run and Cancel, readable syntax errors, the answer's views (views.js) and « why this row? » (why.js).
// The editor lives in a shadow root: CodeMirror's styles go there as constructed style sheets, which the page's
// policy (style-src 'self') allows, where a <style> element would be refused.
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history as undoHistory, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, defaultHighlightStyle, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { showAnswer, showMessage } from "./views.js";
import { el, LANG, words } from "./dom.js";

const textarea = document.getElementById("query");
const status = document.getElementById("status");
const results = document.getElementById("results");
const runButton = document.getElementById("run");
const cancelButton = document.getElementById("cancel");
const PREFIXES = JSON.parse(document.getElementById("editor-prefixes").textContent);
const EXAMPLES = JSON.parse(document.getElementById("example-queries").textContent);
// The page's own path: the editor opened at /releases/ID/sparql queries that release, shares and downloads it.
const PAGE = window.location.pathname;
const CONTEXT_CHARS = 3000; // the query before the cursor that completion reads (the server's bound is 4000)
const MAX_WORD_CHARS = 100; // the server's bound on what it completes
const PHRASE = /[\p{L}\p{N}_'’-]+(?: [\p{L}\p{N}_'’-]+){1,5}$/u; // up to six words, single spaces between

// The query with a PREFIX line for each known prefix it uses without declaring it, and how many lines that adds.
function withPrefixes(text) {
  const declared = new Set(Array.from(text.matchAll(/PREFIX\s+([\w-]*):/gi), (m) => m[1]));
  const code = text.replace(/<[^<>\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/g, " ");
  const lines = Object.keys(PREFIXES)
    .filter((p) => !declared.has(p) && new RegExp("(^|[^\\w:?$-])" + p.replace(/-/g, "\\-") + ":").test(code))
    .map((p) => "PREFIX " + p + ": <" + PREFIXES[p] + ">");
  return { text: lines.concat([text]).join("\n"), added: lines.length };
}

// What the parser expected, in words: each item of its list a keyword or characters as « x », a character class as
// « a letter » or « a digit »; an undeclared prefix alone says so.
const EXPECTED_ITEM = /"(?:[^"\\]|\\.)*"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]|[^,\s][^,]*/g;

function expectedWords(list) {
  const items = (list.match(EXPECTED_ITEM) || []).map((item) => item.trim());
  if (items.includes("Prefix not found")) return [words.aDeclaredPrefix];
  const found = new Set();
  for (const item of items) {
    const character = /^\['((?:[^'\\]|\\.)+)'\]$/.exec(item);
    if (item.startsWith('"')) found.add("« " + JSON.parse(item) + " »");
    else if (character) found.add("« " + character[1].replace(/\\(.)/g, "$1") + " »");
    else if (/^[A-Za-z]+$/.test(item)) found.add("« " + item + " »");
    else if (/'A' ?\.\.= ?'Z'/.test(item)) found.add(words.aLetter);
    else if (/'0' ?\.\.= ?'9'/.test(item)) found.add(words.aDigit);
  }
  return Array.from(found);
}

// A parser error in words: line and column in the query as written, what was expected, the line with a caret.
function readable(message, added, source) {
  const at = /error at (\d+):(\d+): expected (?:one of )?([\s\S]*)$/.exec(message);
  if (!at) return { text: message, excerpt: "" };
  const line = Number(at[1]) - added, column = Number(at[2]);
  const wanted = expectedWords(at[3]);
  const where = words.syntaxError.replace("{line}", line).replace("{column}", column);
  const text = source.split("\n")[line - 1] || "";
  return { text: where + (wanted.length ? words.expected + wanted.join(", ") : ""),
           excerpt: text + "\n" + " ".repeat(Math.max(0, column - 1)) + "^" };
}

const KIND_TYPES = { prefix: "namespace", "class": "class", property: "property", entity: "variable", keyword: "keyword" };

// Completion from the graph: the word before the cursor and the query before it, answered by /completion.
// A plain word may end a name of several words (« Code pénal »): the server tells which part it completes.
async function fromTheGraph(context) {
  const token = context.matchBefore(/(?:<[^<>\s"]*|[\p{L}\p{N}_-]*:[\p{L}\p{N}_.%-]*|[\p{L}\p{N}_-]+)$/u);
  if (!token || (token.from === token.to && !context.explicit)) return null;
  const phrase = /^[\p{L}\p{N}_-]+$/u.test(token.text) ? context.matchBefore(PHRASE) : null;
  const word = phrase && phrase.text.length <= MAX_WORD_CHARS ? phrase : token;
  const before = context.state.sliceDoc(0, word.from);
  const declarations = (before.match(/^\s*PREFIX\s+[\w-]*:\s*<[^<>\s]*>/gim) || []).join("\n");
  const tail = before.slice(-(CONTEXT_CHARS - Math.min(declarations.length, 900)));
  const params = new URLSearchParams({ word: word.text, context: declarations.slice(0, 900) + "\n" + tail, lang: LANG });
  const asking = new AbortController(); // a newer keystroke makes this completion moot
  context.addEventListener("abort", () => asking.abort(), { onDocChange: true });
  let response;
  try {
    response = await fetch("/completion?" + params.toString(), { signal: asking.signal });
  } catch (error) {
    if (error.name === "AbortError") return null;
    throw error;
  }
  if (!response.ok || context.aborted) return null;
  const answer = await response.json();
  return {
    from: word.to - answer.word.length,
    filter: false, // the server matched labels, acronyms and variants, which the typed text need not spell
    options: answer.results.map((offer) => ({
      label: offer.apply, detail: offer.label && offer.label !== offer.apply ? offer.label : undefined,
      type: KIND_TYPES[offer.kind], info: offer.iri || undefined,
    })),
  };
}

const host = document.getElementById("editor-host");
const root = host.attachShadow({ mode: "open" });
const view = new EditorView({
  doc: textarea.value,
  parent: root,
  root,
  extensions: [
    lineNumbers(), undoHistory(), drawSelection(), EditorView.lineWrapping, bracketMatching(), closeBrackets(),
    highlightActiveLine(),
    StreamLanguage.define(sparql), syntaxHighlighting(defaultHighlightStyle),
    autocompletion({ override: [fromTheGraph], activateOnTypingDelay: 150 }),
    keymap.of([{ key: "Mod-Enter", run: () => { run(); return true; } },
               ...closeBracketsKeymap, ...completionKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
    EditorView.updateListener.of((update) => {
      if (!update.docChanged) return;
      textarea.value = update.state.doc.toString();
      followQuery();
    }),
    EditorView.contentAttributes.of({ "aria-label": words.queryLabel }),
    EditorView.theme({ "&": { fontSize: "0.95rem", border: "1px solid #bbb", minHeight: "12rem" },
                       ".cm-scroller": { fontFamily: "ui-monospace, monospace", minHeight: "12rem" } }),
  ],
});
document.body.classList.add("editor-ready"); // the stylesheet hides the plain text area from now on

function setQuery(text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

let running = null; // the AbortController of the query in flight

async function run() {
  if (running) running.abort();
  const controller = new AbortController();
  running = controller;
  const source = view.state.doc.toString();
  const sent = withPrefixes(source);
  window.history.replaceState(null, "", PAGE + "?query=" + encodeURIComponent(source) + (LANG === "en" ? "&lang=en" : ""));
  status.textContent = words.running;
  status.dataset.state = "running";
  cancelButton.hidden = false;
  const started = performance.now();
  try {
    const response = await fetch(PAGE, {
      method: "POST", signal: controller.signal,
      headers: { "Content-Type": "application/sparql-query",
                 "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: sent.text });
    const type = response.headers.get("content-type") || "";
    if (!response.ok) {
      const error = readable((await response.json()).message, sent.added, source);
      status.textContent = error.text;
      status.dataset.state = "error";
      showMessage(results, error.excerpt ? el("pre", { class: "error-excerpt" }, error.excerpt) : null);
      return;
    }
    if (!type.startsWith("application/sparql-results+json")) {
      showMessage(results, el("pre", {}, await response.text()));
      status.textContent = "";
      status.dataset.state = "done";
      return;
    }
    const data = await response.json();
    const elapsed = Math.round(performance.now() - started);
    status.dataset.state = "done";
    if ("boolean" in data) {
      status.textContent = elapsed + " ms";
      showMessage(results, el("p", { class: "boolean" }, String(data.boolean)));
      return;
    }
    status.textContent = words.rows.replace("{rows}", data.results.bindings.length).replace("{ms}", elapsed) +
      (data.truncated ? " " + words.truncated.replace("{limit}", response.headers.get("Tehkg-Row-Limit") || "") : "");
    await showAnswer(results, data, sent.text);
  } catch (error) {
    if (running !== controller) return; // a newer run took over: its status stands
    const cancelled = error.name === "AbortError";
    status.textContent = cancelled ? words.cancelled.replace("{ms}", Math.round(performance.now() - started))
      : error.message; // the server could not be reached, or its answer could not be read
    status.dataset.state = cancelled ? "cancelled" : "error";
  } finally {
    if (running === controller) { running = null; cancelButton.hidden = true; }
  }
}

// The download links (the answer in CSV, TSV, JSON) and the share link follow the query as it is written.
function followQuery() {
  const source = view.state.doc.toString();
  const sent = encodeURIComponent(withPrefixes(source).text);
  for (const format of ["csv", "tsv", "json"]) {
    document.getElementById(format).href = PAGE + "?query=" + sent + "&format=" + format;
  }
  document.getElementById("share").href = PAGE + "?query=" + encodeURIComponent(source) + (LANG === "en" ? "&lang=en" : "");
}

runButton.addEventListener("click", run);
cancelButton.addEventListener("click", () => { if (running) running.abort(); });
followQuery();
document.getElementById("examples").addEventListener("change", (event) => {
  if (event.target.value === "") return;
  setQuery(EXAMPLES[event.target.value]);
  document.getElementById("question").textContent = event.target.selectedOptions[0].textContent;
});
if (new URLSearchParams(location.search).has("query")) run();
