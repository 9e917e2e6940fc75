// The search page: asks the JSON API (/search, /captions/similar,
// /images/{i}/info) and draws its answers. Text goes in with textContent
// only, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);

/** The API's error detail as one line (a string, or FastAPI's list). */
function describeError(status, body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => `${d.loc.slice(1).join('.')}: ${d.msg}`)
      .join('; ');
  }
  return detail || `HTTP ${status}`;
}

async function call(method, url, payload) {
  const response = await fetch(url, {
    method,
    headers: payload ? {'Content-Type': 'application/json'} : {},
    body: payload ? JSON.stringify(payload) : undefined,
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(describeError(response.status, body));
  return body;
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}

function hitFigure(hit) {
  const figure = document.createElement('figure');
  figure.className = 'hit';
  if (hit.relevant === true) figure.classList.add('relevant');
  if (hit.relevant === false) figure.classList.add('irrelevant');
  figure.dataset.index = hit.index;
  const image = document.createElement('img');
  image.src = hit.image_url;
  image.alt = hit.name;
  const caption = document.createElement('figcaption');
  caption.textContent = `#${hit.rank}  ${hit.score.toFixed(3)}` +
    (hit.pid === null ? '' : `  id ${hit.pid}`);
  figure.append(image, caption);
  figure.addEventListener('click', () => openViewer(hit.index));
  return figure;
}

async function search(text, captionIndex = null) {
  showError('');
  const started = performance.now();
  try {
    const result = await call('POST', '/search', {
      text, k: Number($('k').value), caption_index: captionIndex});
    $('results').replaceChildren(...result.hits.map(hitFigure));
    $('status').textContent = `${result.hits.length} images in ` +
      `${Math.round(performance.now() - started)} ms for “${result.text}”`;
    $('metrics').hidden = !result.metrics;
    if (result.metrics) {
      $('metrics').textContent = `split caption ${result.caption.index} ` +
        `(person ${result.caption.pid}): R@1 ${result.metrics.R1.toFixed(0)}` +
        `  AP ${result.metrics.AP.toFixed(1)}`;
    }
  } catch (error) {
    $('results').replaceChildren();
    $('metrics').hidden = true;
    $('status').textContent = '';
    showError(error.message);
  }
}

/** A list item that searches with a split caption when clicked. */
function captionItem(caption, score = null) {
  const item = document.createElement('li');
  item.textContent = caption.text + (score === null ? '' :
    `  (${score.toFixed(3)}, person ${caption.pid})`);
  item.addEventListener('click', () => {
    $('viewer').close();
    $('query').value = caption.text;
    search(caption.text, caption.index);
  });
  return item;
}

async function similarCaptions() {
  showError('');
  try {
    const scored = await call('POST', '/captions/similar', {
      text: $('query').value, n: Number($('k').value)});
    $('captions').replaceChildren(
      ...scored.map((s) => captionItem(s.caption, s.score)));
    $('captions-view').hidden = false;
  } catch (error) {
    $('captions-view').hidden = true;
    showError(error.message);
  }
}

async function openViewer(index) {
  try {
    const image = await call('GET', `/images/${index}/info`);
    $('viewer-image').src = image.image_url;
    $('viewer-image').alt = image.name;
    $('viewer-name').textContent = image.name;
    $('viewer-pid').textContent = image.pid === null ? '' :
      `person ${image.pid}`;
    $('viewer-captions').replaceChildren(
      ...image.captions.map((c) => captionItem(c)));
    $('viewer').showModal();
  } catch (error) {
    showError(error.message);
  }
}

async function start() {
  const info = await call('GET', '/info');
  $('info').textContent = `${info.model} · ${info.gallery}: ` +
    `${info.gallery_size} images` +
    (info.num_captions ? `, ${info.num_captions} captions` : '');
  $('k').max = info.max_k;
  $('similar').hidden = !info.num_captions;
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    search($('query').value);
  });
  $('similar').addEventListener('click', similarCaptions);
  $('viewer-close').addEventListener('click', () => $('viewer').close());
}

start().catch((error) => showError(error.message));
