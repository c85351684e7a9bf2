// The search page: asks the Pagefind index built with the site (plugins/search).
// Pagefind's own script is imported only when a reader searches. Reads the
// data-search-* attributes of search.html (README "Markup interface").
const form = document.querySelector("[data-search-form]");
const input = form && form.querySelector("[data-search-input]");
const status = document.querySelector("[data-search-status]");
const list = document.querySelector("[data-search-results]");
const MAX_RESULTS = 20;
let engine = null;
let latest = 0;

function loadEngine() {
  if (!engine) {
    const bundle = new URL(form.dataset.searchBundle, document.baseURI);
    // Results are paths from the site's root; the site may live in a folder.
    const site = new URL(form.dataset.searchSite, document.baseURI).pathname;
    const options = { baseUrl: site, excerptLength: 24 };
    // A large site's index is cut into several bundles (plugins/search):
    // shards.json lists them all, the first being the one pagefind.js is in.
    const manifest = fetch(new URL("shards.json", bundle)).then((response) => {
      if (!response.ok) throw new Error(`shards.json: HTTP ${response.status}`);
      return response.json();
    });
    engine = manifest.then(async ({ bundles, indexed }) => {
      // A local build without Pagefind (SEARCH['index'] False): nothing to search.
      if (indexed === false) return null;
      // A site with nothing published yet has no bundle: every search finds nothing.
      if (!bundles.length) return { search: async () => ({ results: [] }) };
      const pagefind = await import(new URL("pagefind.js", bundle).href);
      await pagefind.options(options);
      // Pagefind searches every merged bundle and ranks all results together.
      await Promise.all(
        bundles.slice(1).map((path) => pagefind.mergeIndex(new URL(path, bundle).pathname, options)),
      );
      return pagefind;
    });
    // A failed start (say, the network dropped) is tried again on the next search.
    engine.catch(() => {
      engine = null;
    });
  }
  return engine;
}

// Pagefind's excerpt is escaped text with <mark> around the matched words:
// rebuild it from text nodes so nothing in it can become markup.
function excerptNodes(excerpt) {
  const decoder = document.createElement("textarea");
  return excerpt.split(/(<\/?mark>)/).reduce((nodes, piece) => {
    if (piece === "<mark>") nodes.push(document.createElement("mark"));
    else if (piece === "</mark>") nodes.push(null);
    else if (piece) {
      decoder.innerHTML = piece;
      const text = document.createTextNode(decoder.value);
      const open = nodes.length && nodes[nodes.length - 1];
      if (open && open.nodeName === "MARK" && !open.textContent) open.append(text);
      else nodes.push(text);
    }
    return nodes;
  }, []).filter(Boolean);
}

function render(item) {
  const entry = document.createElement("li");
  entry.className = "search-result";
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = item.url;
  link.textContent = item.meta.title || item.url;
  heading.append(link);
  const excerpt = document.createElement("p");
  excerpt.append(...excerptNodes(item.excerpt || ""));
  entry.append(heading, excerpt);
  return entry;
}

async function search(query) {
  const ticket = ++latest;
  list.replaceChildren();
  if (!query) {
    status.textContent = "";
    return;
  }
  status.textContent = "Searching…";
  try {
    const pagefind = await loadEngine();
    if (!pagefind) {
      status.textContent =
        "This build of the site has no search index (local builds skip it; `invoke build --search` makes one). Browse the archives instead.";
      return;
    }
    const found = await pagefind.search(query);
    const items = await Promise.all(found.results.slice(0, MAX_RESULTS).map((r) => r.data()));
    if (ticket !== latest) return; // a newer search has started
    list.replaceChildren(...items.map(render));
    const count = found.results.length;
    status.textContent = count
      ? `${count} ${count === 1 ? "post matches" : "posts match"} “${query}”.`
      : `No post matches “${query}”. Try fewer or other words.`;
  } catch (error) {
    status.textContent = "Search could not start. Browse the archives instead.";
    console.error(error);
  }
}

if (form && input && status && list) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = input.value.trim();
    const address = new URL(location.href);
    if (query) address.searchParams.set("q", query);
    else address.searchParams.delete("q");
    history.replaceState(null, "", address);
    search(query);
  });
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    search(initial.trim());
  }
}
