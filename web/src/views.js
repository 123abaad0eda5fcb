// The answer's views: a table (sorting, filtering, paging) and, when the answer's shape allows, a bar chart (a
// label and a number), a timeline (dates) and a graph (IRI–IRI pairs), chosen automatically and switchable. IRIs
// are shown by their labels in the page's language (/labels). Charts are plain SVG drawn here: three small
// drawings with no layout engine needed, no dependency, and nothing the page's policy refuses.
import { el, hrefOf, labelsOf, LANG, svg, termNode, termText, words } from "./dom.js";
import { whyButton } from "./why.js";

// « why this row? » reads the served data: on an older release's editor (/releases/ID/sparql) it would name the
// sources of other data, so it is offered on /sparql alone
const EXPLAINED = window.location.pathname === "/sparql";

const PAGE_ROWS = 50;
const NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger)$/;
const DATED = /#(date|dateTime|gYear|gYearMonth)$/;

export function showMessage(results, node) {
  results.replaceChildren(...(node ? [node] : []));
}

function labelsOfAnswer(bindings) {
  const iris = [];
  for (const row of bindings) for (const term of Object.values(row)) if (term.type === "uri") iris.push(term.value);
  return labelsOf(iris);
}

// Which variables hold what: numbers, dates, IRIs (in every row where bound), and the views that fit.
function shapeOf(vars, rows) {
  const all = (v, test) => rows.length > 0 && rows.every((r) => r[v] && test(r[v]));
  const numbers = vars.filter((v) => all(v, (t) => t.type === "literal" && NUMERIC.test(t.datatype || "")));
  const dates = vars.filter((v) => all(v, (t) => t.type === "literal" && DATED.test(t.datatype || "")));
  const iris = vars.filter((v) => all(v, (t) => t.type === "uri"));
  const others = vars.filter((v) => !numbers.includes(v));
  const views = ["table"];
  if (numbers.length && others.length && rows.length <= 200) views.push("bar");
  if (dates.length) views.push("timeline");
  if (iris.length >= 2 && rows.length <= 300) views.push("graph");
  // a graph is the first view only when its pairs connect: some IRI in more than one pair
  const linked = views.includes("graph") &&
    new Set(rows.flatMap((r) => [r[iris[0]].value, r[iris[1]].value])).size < 2 * rows.length;
  return { numbers, dates, iris, others, views, linked };
}

export async function showAnswer(results, data, query) {
  const vars = data.head.vars;
  const rows = data.results.bindings;
  const labels = await labelsOfAnswer(rows);
  const shape = shapeOf(vars, rows);
  const chosen = shape.views.includes("bar") ? "bar" : shape.views.includes("timeline") ? "timeline"
    : shape.linked ? "graph" : "table";
  const tabs = el("div", { class: "view-tabs", role: "tablist" });
  const panel = el("div", { class: "view" });
  const draw = { table: () => table(vars, rows, labels, query), bar: () => bars(shape, rows, labels),
                 timeline: () => timeline(shape, vars, rows, labels), graph: () => graph(shape, rows, labels) };
  function select(name) {
    for (const tab of tabs.children) tab.setAttribute("aria-selected", String(tab.dataset.view === name));
    panel.dataset.view = name;
    panel.replaceChildren(draw[name]());
  }
  for (const name of shape.views) {
    const tab = el("button", { type: "button", role: "tab", "data-view": name }, words["view_" + name]);
    tab.addEventListener("click", () => select(name));
    tabs.append(tab);
  }
  results.replaceChildren(tabs, panel);
  select(chosen);
}

function table(vars, rows, labels, query) {
  let order = null, descending = false, page = 0, filter = "";
  const wrapper = el("div", { class: "answer-table" });
  const filterBox = el("input", { type: "search", class: "filter", placeholder: words.filter, "aria-label": words.filter });
  const body = el("tbody");
  const pager = el("p", { class: "pager" });
  const heads = vars.map((v) => {
    const th = el("th", { scope: "col", "aria-sort": "none" }, el("button", { type: "button" }, v));
    th.addEventListener("click", () => {
      descending = order === v ? !descending : false;
      order = v; page = 0;
      for (const other of heads) other.setAttribute("aria-sort", "none");
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      paint();
    });
    return th;
  });
  const compare = (a, b) => {
    const x = termText(a[order], labels), y = termText(b[order], labels);
    const nx = Number(x), ny = Number(y);
    const c = x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y, LANG);
    return descending ? -c : c;
  };
  function paint() {
    const needle = filter.toLocaleLowerCase(LANG);
    let shown = needle ? rows.filter((r) => vars.some((v) =>
      termText(r[v], labels).toLocaleLowerCase(LANG).includes(needle) ||
      (r[v] && r[v].value.toLocaleLowerCase(LANG).includes(needle)))) : rows.slice();
    if (order) shown.sort(compare);
    const pages = Math.max(1, Math.ceil(shown.length / PAGE_ROWS));
    page = Math.min(page, pages - 1);
    body.replaceChildren(...shown.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS).map((row) =>
      el("tr", {}, vars.map((v) => el("td", {}, termNode(row[v], labels))), EXPLAINED ? el("td", { class: "why-cell" }, whyButton(query, row)) : null)));
    const previous = el("button", { type: "button", class: "previous", disabled: page === 0 }, "‹");
    const next = el("button", { type: "button", class: "next", disabled: page >= pages - 1 }, "›");
    previous.addEventListener("click", () => { page -= 1; paint(); });
    next.addEventListener("click", () => { page += 1; paint(); });
    pager.replaceChildren(previous, " ", words.page.replace("{page}", page + 1).replace("{pages}", pages)
      .replace("{rows}", shown.length), " ", next);
  }
  filterBox.addEventListener("input", () => { filter = filterBox.value; page = 0; paint(); });
  paint();
  wrapper.append(filterBox, el("table", {}, el("thead", {}, el("tr", {}, heads, el("th", {}))), body), pager);
  return wrapper;
}

const short = (text, n) => (text.length > n ? text.slice(0, n - 1) + "…" : text);

// A chart's label as a link to the page of its IRI, where it has one (the rule of hrefOf: http(s) only).
function linked(term, label) {
  const href = term && term.type === "uri" ? hrefOf(term.value) : null;
  return href ? svg("a", { href }, label) : label;
}

function bars(shape, rows, labels) {
  const value = shape.numbers[0], label = shape.others[0];
  const width = 820, left = 300, barHeight = 22;
  const max = Math.max(...rows.map((r) => Number(r[value].value)), 0) || 1;
  const chart = svg("svg", { class: "chart bar-chart", viewBox: `0 0 ${width} ${rows.length * barHeight + 10}`,
                             role: "img", "aria-label": words.view_bar });
  rows.forEach((row, i) => {
    const n = Number(row[value].value), w = Math.max(1, ((width - left - 60) * n) / max), y = i * barHeight + 5;
    const name = termText(row[label], labels);
    chart.append(linked(row[label], svg("text", { x: left - 8, y: y + 15, "text-anchor": "end", class: "bar-label" },
                                        short(name, 48))),
                 svg("rect", { x: left, y, width: w, height: barHeight - 6, class: "bar" }, svg("title", {}, `${name}: ${n}`)),
                 svg("text", { x: left + w + 6, y: y + 15, class: "bar-value" }, String(n)));
  });
  return chart;
}

function timeline(shape, vars, rows, labels) {
  const date = shape.dates[0], label = vars.find((v) => v !== date) || date;
  const items = rows.map((r) => ({ when: new Date(r[date].value), text: termText(r[label], labels), raw: r[date].value }))
    .filter((item) => !isNaN(item.when)).sort((a, b) => a.when - b.when);
  const width = 820, top = 30, step = 22, left = 20, right = 20;
  const first = items[0].when.getTime(), last = items[items.length - 1].when.getTime();
  const span = Math.max(last - first, 1);
  const x = (when) => left + ((width - left - right) * (when.getTime() - first)) / span;
  const chart = svg("svg", { class: "chart timeline", viewBox: `0 0 ${width} ${top + items.length * step + 10}`,
                             role: "img", "aria-label": words.view_timeline });
  const startYear = new Date(first).getUTCFullYear(), endYear = new Date(last).getUTCFullYear();
  const every = Math.max(1, Math.ceil((endYear - startYear + 1) / 10));
  for (let year = startYear; year <= endYear + 1; year += every) {
    const at = x(new Date(Date.UTC(year, 0, 1)));
    if (at < left - 1 || at > width - right + 1) continue;
    chart.append(svg("line", { x1: at, x2: at, y1: top - 10, y2: top + items.length * step, class: "tick" }),
                 svg("text", { x: at, y: top - 14, "text-anchor": "middle", class: "tick-label" }, String(year)));
  }
  items.forEach((item, i) => {
    const cx = x(item.when), cy = top + i * step + 8, leftward = cx > width / 2; // the label on the roomier side
    chart.append(svg("circle", { cx, cy, r: 5, class: "event" }, svg("title", {}, item.raw)),
                 svg("text", { x: leftward ? cx - 9 : cx + 9, y: cy + 4, class: "event-label",
                               "text-anchor": leftward ? "end" : "start" },
                     `${item.raw.slice(0, 10)} · ${short(item.text, 50)}`, svg("title", {}, item.text)));
  });
  return chart;
}

// A force-directed drawing of the IRI–IRI pairs of the first two IRI variables, a bounded number of steps.
function graph(shape, rows, labels) {
  const [from, to] = shape.iris;
  const nodes = new Map();
  const node = (iri) => {
    if (!nodes.has(iri)) {
      const angle = (2 * Math.PI * nodes.size) / 40;
      nodes.set(iri, { iri, x: 400 + 200 * Math.cos(angle) + nodes.size, y: 300 + 200 * Math.sin(angle), dx: 0, dy: 0 });
    }
    return nodes.get(iri);
  };
  const edges = rows.map((r) => [node(r[from].value), node(r[to].value)]);
  const all = Array.from(nodes.values());
  for (let step = 0; step < 200; step++) {
    for (const a of all) { a.dx = (400 - a.x) * 0.004; a.dy = (300 - a.y) * 0.006; }
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) {
      const a = all[i], b = all[j], ddx = a.x - b.x, ddy = a.y - b.y, d2 = Math.max(ddx * ddx + ddy * ddy, 25);
      const push = 7000 / d2;
      a.dx += ddx * push / Math.sqrt(d2); a.dy += ddy * push / Math.sqrt(d2);
      b.dx -= ddx * push / Math.sqrt(d2); b.dy -= ddy * push / Math.sqrt(d2);
    }
    for (const [a, b] of edges) {
      const ddx = b.x - a.x, ddy = b.y - a.y, pull = 0.02;
      a.dx += ddx * pull; a.dy += ddy * pull; b.dx -= ddx * pull; b.dy -= ddy * pull;
    }
    for (const a of all) { a.x = Math.min(600, Math.max(20, a.x + a.dx)); a.y = Math.min(580, Math.max(20, a.y + a.dy)); } // x stops short: room for labels
  }
  const chart = svg("svg", { class: "chart graph-view", viewBox: "0 0 800 600", role: "img", "aria-label": words.view_graph });
  for (const [a, b] of edges) chart.append(svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "edge" }));
  for (const a of all) {
    const name = labels.get(a.iri) || a.iri.replace(/^.*[/#]/, "");
    chart.append(svg("circle", { cx: a.x, cy: a.y, r: 6, class: "node" }, svg("title", {}, a.iri)),
                 linked({ type: "uri", value: a.iri }, svg("text", { x: a.x + 8, y: a.y + 4, class: "node-label" },
                                                          short(name, 30))));
  }
  return chart;
}
