#!/usr/bin/env node
// The groups journey across two real zerda processes and a Mastodon account,
// in Chromium with JavaScript switched off, every page checked with axe-core
// (issue 6, "Done means").
//
// zerda A and zerda B run on free loopback ports with fresh data dirs and the
// two settings that let test instances federate over plain http on loopback;
// B has a pad URL template. The organiser's account is made on A and the
// person's on B with `zerda admin create-user`. A FakePeer (fakepeer.mjs) plays
// a Mastodon account on a third port.
//
// The organiser founds a moderated group on A; the Mastodon account follows it;
// the person on B finds the group through the search page, asks to join, is
// approved and made a moderator; on B she drafts an event for the group,
// starts a discussion in it, adds a pad to its resources, and publishes the
// event. A shows the event, the discussion and the pad; the Mastodon account
// receives the event from the group, signed with the group's key.
//
// Federation is asynchronous: every wait for the other side polls, bounded.
// Each step is its own test, so that one that fails says where; a step that
// needs an earlier one's result fails naming it.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakePeer, send } from './fakepeer.mjs';
import {
  HERE,
  TIMEOUT,
  Zerda,
  assert,
  assertEqual,
  closeBrowser,
  configure,
  fillEventForm,
  flashText,
  harness,
  launchBrowser,
  logInAs,
  runMain,
  test,
  waitFor,
} from './lib.mjs';

const FEDERATION_ENV = {
  ZERDA_FEDERATION_ALLOW_HTTP: 'true',
  ZERDA_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
};
// Port 9 (discard): nothing listens, the link is only ever stored and shown.
const PAD_TEMPLATE = 'http://127.0.0.1:9/pad/{uuid}';
const PAD_URL = /^http:\/\/127\.0\.0\.1:9\/pad\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVENT_PATH = /^\/events\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AP_TYPE = 'application/activity+json';
// How long a delivery from one server to another may take to show.
const FEDERATION_WAIT = 30_000;
const WHOLE = 8 * 60_000;

const ORGANISER = { email: 'ines@a.example.org', username: 'ines', password: 'organiser on server a' };
const PERSON = { email: 'tomas@b.example.org', username: 'tomas', password: 'member on server b' };
const GROUP = {
  username: 'river_choir',
  name: 'River Choir',
  summary: 'We sing by the river on **Thursdays**.',
};
const GROUP_EVENT = {
  title: 'Open rehearsal by the lock',
  description: 'Scores are handed out; no experience needed.',
  begins: '2027-07-08T18:30',
  ends: '2027-07-08T20:30',
  timezone: 'Europe/London',
};
const DISCUSSION = { title: 'Songs for the summer concert', text: 'Which **three** songs do we learn first?' };
const PAD_TITLE = 'Lyrics to learn';

let a = null; // zerda A: the group's server
let b = null; // zerda B: the person's server
let peer = null; // the Mastodon account

// What one step leaves for the next.
const state = {
  organiser: null, // browser state of the organiser logged in on A
  person: null, // browser state of the person logged in on B
  groupId: null, // the group's ActivityPub id
  followId: null,
  member: false, // approved and moderator, as B knows
  eventPath: null, // the draft on B
  published: false,
  discussion: false,
  pad: null, // the pad's URL
};

const groupPath = () => `/@${GROUP.username}`;
// The group as B shows it: its handle with A's host.
const remoteGroupPath = () => `/@${GROUP.username}@${a.host}`;
const personHandle = () => `${PERSON.username}@${b.host}`;

// The HTML a logged-in context gets for a path (no page, no checks): for
// bounded polling until federation has done its work, before the real visit.
async function htmlOf(page, path) {
  const res = await page.context().request.get(page.server.base + path, { timeout: TIMEOUT.navigation });
  return { status: res.status(), text: await res.text() };
}

async function pollPage(page, path, what, found) {
  let last = null;
  return waitFor(
    what,
    async () => {
      last = await htmlOf(page, path);
      return last.status === 200 && found(last.text);
    },
    {
      ms: FEDERATION_WAIT,
      every: 500,
      describe: () => `last GET ${path} on ${page.server.name.toUpperCase()}: HTTP ${last?.status}`,
    },
  );
}

// When a form is missing, what the server says to the POST that form would
// send (the CSRF token taken from the page, the browser's cookies): the
// status, where it redirects, and the error shown. For failure messages only.
async function probePost(page, path, fields, formOnPage = null) {
  const token = await page.locator('input[name="csrf_token"]').first().getAttribute('value');
  // The fields of a filled form on the page, when given (page.evaluate works with JavaScript off).
  const { filled, multipart } = formOnPage
    ? await page.locator(formOnPage).evaluate((form) => ({
        filled: Object.fromEntries([...new FormData(form)].filter(([, v]) => typeof v === 'string')),
        multipart: form.enctype === 'multipart/form-data',
      }))
    : { filled: {}, multipart: false };
  const body = { csrf_token: token ?? '', ...filled, ...fields };
  const res = await page.context().request.post(page.server.base + path, {
    ...(multipart ? { multipart: body } : { form: body }),
    maxRedirects: 0,
    timeout: TIMEOUT.navigation,
  });
  const html = await res.text();
  const fieldErrors = [...html.matchAll(/<p (?=[^>]*class="field-error")[^>]*id="([a-z_]+)-error"[^>]*>([^<]*)</g)].map(
    ([, field, text]) => `${field}: ${text.trim()}`,
  );
  const error = fieldErrors.length
    ? fieldErrors.join(' | ')
    : html.match(/class="(?:form-error|flash[^"]*)"[^>]*>([^<]*)</)?.[1]?.trim();
  const location = res.headers().location;
  return `POST ${path} answers ${res.status()}${location ? ` (to ${location})` : ''}${error ? `: "${error}"` : ''}`;
}

const mainText = async (page) => (await page.locator('main').innerText()).replace(/\s+/g, ' ');

// ---------------------------------------------------------------- steps

// The FakePeer's verifier must refuse what Mastodon refuses, or its "signed
// by the group" proves nothing: its own signed POST passes, the same POST
// with one byte of the body changed, or signed by another key, does not.
async function fakePeerSelfTest(t) {
  const inbox = `${peer.base}/inbox`;
  const note = (n) => ({ id: `${peer.base}/self-test/${n}`, type: 'Create', actor: peer.actorId, object: { type: 'Note', content: 'hello' } });
  const good = await peer.deliver(inbox, note(1));
  assertEqual(good.status, 202, "the FakePeer's answer to its own signed POST");
  const tampered = await peer.deliver(inbox, note(2), { tamper: (body) => body.replace('hello', 'hullo') });
  assertEqual(tampered.status, 401, "the FakePeer's answer to a POST whose body changed after signing");
  const impostor = new FakePeer({ username: 'impostor' });
  impostor.base = peer.base; // claims the same actor and key id, signs with its own key
  impostor.username = peer.username;
  const forged = await impostor.deliver(inbox, note(3));
  assertEqual(forged.status, 401, "the FakePeer's answer to a POST signed with another key");
  const why = peer.received.slice(-2).map((r) => r.error);
  t.notes.push(`refused: ${why.join('; ')}`);
  peer.received.length = 0;
}

async function organiserCreatesGroup(t) {
  const page = await t.context({ server: a });
  await logInAs(t, page, ORGANISER, 'organiser logged in');
  await t.visit(page, '/groups/create', 'new group form');
  await page.fill('#username', GROUP.username);
  await page.fill('#name', GROUP.name);
  await page.fill('#summary', GROUP.summary);
  await page.selectOption('#openness', 'moderated');
  // Followers (the Mastodon account) are accepted at once.
  await page.setChecked('#manually_approves_followers', false);
  await t.submit(page, page.locator('main form button[type="submit"]'), 'group created', { path: groupPath() });
  assertEqual(await flashText(page, groupPath()), 'The group is ready.', 'flash after creating the group');
  assertEqual((await page.locator('main h1').textContent()).trim(), GROUP.name, 'h1 of the group page');
  state.organiser = await page.context().storageState();

  // The group as other servers read it.
  const res = await send(a.base + groupPath(), { headers: { accept: AP_TYPE } });
  assertEqual(res.status, 200, `GET ${groupPath()} as ${AP_TYPE}`);
  const doc = JSON.parse(res.body);
  assertEqual(doc.type, 'Group', 'type of the group document');
  assert(doc.publicKey?.publicKeyPem, 'the group document has no public key');
  state.groupId = doc.id;
  state.groupInbox = doc.inbox;
  t.notes.push(`group ${doc.id}, inbox ${doc.inbox}, openness ${doc.openness ?? '?'}`);
}

async function mastodonFollows(t) {
  assert(state.groupId, 'the group was not created');
  // Found as Mastodon finds it: WebFinger first.
  const acct = `acct:${GROUP.username}@${a.host}`;
  const wf = await send(`${a.base}/.well-known/webfinger?resource=${encodeURIComponent(acct)}`, {
    headers: { accept: 'application/jrd+json' },
  });
  assertEqual(wf.status, 200, 'WebFinger of the group');
  const self = JSON.parse(wf.body).links?.find((l) => l.rel === 'self' && /activity\+json/.test(l.type || ''));
  assertEqual(self?.href, state.groupId, 'the WebFinger self link');

  const follow = peer.follow(state.groupId);
  state.followId = follow.id;
  const res = await peer.deliver(state.groupInbox, follow);
  assert(res.status >= 200 && res.status < 300, `A's group inbox answered the Follow with ${res.status}: ${res.body.slice(0, 200)}`);
  t.notes.push(`Follow ${follow.id} answered ${res.status}`);

  const [accept] = await waitFor(
    'an Accept of the Follow, signed by the group, in the FakePeer inbox',
    () =>
      peer.verifiedWhere(
        (act) => act.type === 'Accept' && (act.object === follow.id || act.object?.id === follow.id),
      ),
    { ms: FEDERATION_WAIT, every: 200, describe: () => peer.describeReceived() },
  );
  assertEqual(accept.activity.actor, state.groupId, 'actor of the Accept');
  assertEqual(accept.verified.keyId, `${state.groupId}#main-key`, 'keyId of the Accept');
  t.notes.push(`Accept ${accept.activity.id} received at ${accept.path}, signed with ${accept.verified.keyId} (${accept.verified.covered.join(' ')})`);
  // A fetched the account's document to check the Follow's signature.
  assert(
    peer.requests.some((r) => r.method === 'GET' && r.path === `/users/${peer.username}`),
    'A never fetched the Mastodon actor',
  );
}

async function personAsksToJoin(t) {
  assert(state.groupId, 'the group was not created');
  const page = await t.context({ server: b });
  await logInAs(t, page, PERSON, 'person logged in');
  // The header's Search link, the search box, then the look-up button.
  await t.submit(page, page.locator('.site-header a[href="/search"]'), 'search', { path: '/search' });
  const handle = `@${GROUP.username}@${a.host}`;
  await page.fill('#q', handle);
  await t.submit(page, page.locator('main form[role="search"] button[type="submit"]'), 'search for the handle', {
    path: '/search',
  });
  await t.submit(page, page.getByRole('button', { name: `Look up ${handle}`, exact: true }), 'remote group', {
    path: remoteGroupPath(),
  });
  assertEqual((await page.locator('main h1').textContent()).trim(), GROUP.name, 'h1 of the remote group on B');
  assert((await mainText(page)).includes(`@${GROUP.username}@${a.host}`), 'the group handle is not shown on B');
  await page.selectOption('#join-profile', PERSON.username);
  await t.submit(page, page.locator('main form button', { hasText: 'Ask to join' }), 'join requested', {
    path: remoteGroupPath(),
  });
  // The flash is checked strictly by run.mjs's groups journey. It is lost
  // there too: its text holds a ';', and the flash cookie is set unencoded,
  // so the browser keeps only what comes before it and the signature fails.
  if ((await page.locator('.flash[role="status"]').count()) === 0) {
    t.notes.push('(not failing) no flash after "Ask to join" on B (see the groups journey of run.mjs)');
  } else {
    assertEqual(
      await flashText(page, `${remoteGroupPath()} after asking`),
      "Your request is sent; the group's moderators will answer.",
      'flash after asking to join',
    );
  }
  assert(
    (await mainText(page)).includes(`@${PERSON.username} asked to join; the moderators will answer.`),
    'B does not show the request as waiting',
  );
  state.person = await page.context().storageState();
}

async function organiserApproves(t) {
  assert(state.organiser && state.person, 'the group or the request is missing');
  const page = await t.context({ server: a, storageState: state.organiser });
  const members = `${groupPath()}/members`;
  await pollPage(page, members, `the request of ${personHandle()} on A's members page`, (html) =>
    html.includes(`Approve ${personHandle()}`),
  );
  await t.visit(page, members, 'members with a request');
  await t.submit(page, page.locator('main button', { hasText: `Approve ${personHandle()}` }), 'request approved', {
    path: members,
  });
  await page.getByLabel(`Role of ${personHandle()}`).selectOption('moderator');
  await t.submit(page, page.locator('main button', { hasText: `Change the role of ${personHandle()}` }), 'role changed', {
    path: members,
  });
  const row = page.locator('main table tbody tr', { hasText: `@${personHandle()}` });
  assertEqual(await row.count(), 1, `rows for ${personHandle()}`);
  assertEqual((await row.locator('td').nth(1).textContent()).trim(), 'Moderator', `role of ${personHandle()} on A`);

  // B learns both: the person is a moderator of the group there too.
  const person = await t.context({ server: b, storageState: state.person });
  await pollPage(person, remoteGroupPath(), 'B showing the person as a moderator of the group', (html) =>
    html.includes(`@${PERSON.username} is a member (Moderator).`),
  );
  await t.visit(person, remoteGroupPath(), 'group as a moderator');
  state.member = true;
}

async function personDraftsEvent(t) {
  assert(state.member, 'the person is not a moderator of the group');
  const page = await t.context({ server: b, storageState: state.person });
  await t.visit(page, '/events/create', 'new event form');
  const choice = `The group ${GROUP.name}`;
  const select = page.locator('#group');
  const options = (await select.locator('option').allTextContents()).map((s) => s.trim());
  if (!options.includes(choice)) {
    await fillEventForm(page, GROUP_EVENT);
    const probe = await probePost(
      page,
      '/events/create',
      { group: `${GROUP.username}@${a.host}`, draft: 'true' },
      'main form.form-wide',
    );
    throw new Error(
      ((await select.count()) === 0
        ? `B's event form (/events/create) has no "Organised by" select (#group): B offers no group to organise for`
        : `B's event form offers "${options.join('", "')}", not "${choice}"`) + `; ${probe}`,
    );
  }
  await select.selectOption({ label: choice });
  await fillEventForm(page, GROUP_EVENT);
  await t.submit(page, page.locator('main form button[name="draft"][value="true"]'), 'group event drafted');
  const path = new URL(page.url()).pathname;
  assert(EVENT_PATH.test(path), `where saving a draft leads on B: ${path}`);
  assertEqual(
    await flashText(page, `${path} after saving the draft`),
    'The draft is saved. Only you can see it until you publish it.',
    'flash after saving the draft',
  );
  const organisers = (await page.locator('main .event-facts dd a').allTextContents()).map((s) => s.trim());
  assert(organisers.includes(GROUP.name), `the draft is not organised by the group: ${organisers.join(' | ')}`);
  state.eventPath = path;
}

async function personStartsDiscussion(t) {
  assert(state.member, 'the person is not a moderator of the group');
  const page = await t.context({ server: b, storageState: state.person });
  const list = `${remoteGroupPath()}/c`;
  await t.visit(page, list, 'discussions of the group');
  const link = page.locator('main a', { hasText: 'Start a discussion' });
  if ((await link.count()) === 0) t.notes.push(`no "Start a discussion" link on B's ${list}`);
  const form = await htmlOf(page, `${list}/new`);
  if (form.status !== 200) {
    const probe = await probePost(page, `${list}/new`, DISCUSSION);
    throw new Error(`B's ${list}/new answers ${form.status}, not a form; ${probe}`);
  }
  await t.visit(page, `${list}/new`, 'new discussion form');
  await page.fill('#title', DISCUSSION.title);
  await page.fill('#text', DISCUSSION.text);
  await t.submit(page, page.locator('main form button[type="submit"]'), 'discussion started');
  const path = decodeURIComponent(new URL(page.url()).pathname);
  assert(path.startsWith(`${list}/`), `where starting a discussion leads on B: ${path}`);
  assertEqual((await page.locator('main h1').textContent()).trim(), DISCUSSION.title, 'h1 of the discussion on B');
  assert(await page.locator('main strong', { hasText: 'three' }).count(), 'the first message (Markdown) is not shown');
  state.discussion = true;
}

async function personAddsPad(t) {
  assert(state.member, 'the person is not a moderator of the group');
  const page = await t.context({ server: b, storageState: state.person });
  const resources = `${remoteGroupPath()}/resources`;
  await t.visit(page, resources, 'resources of the group');
  const button = page.getByRole('button', { name: 'New pad', exact: true });
  if ((await button.count()) !== 1) {
    const probe = await probePost(page, resources, { type: 'pad', title: PAD_TITLE, parent_id: '' });
    throw new Error(
      `no "New pad" button on B's ${resources} (B has groups.pad_url = "${PAD_TEMPLATE}"; ` +
        `forms in <main>: ${await page.locator('main form').count()}); ${probe}`,
    );
  }
  await page.fill('#tool-title', PAD_TITLE);
  await t.submit(page, button, 'pad added');
  assertEqual(await flashText(page, 'the page after adding the pad'), 'The link is added.', 'flash after adding the pad');
  const item = page.locator('main li', { hasText: PAD_TITLE });
  assertEqual(await item.count(), 1, `resources titled "${PAD_TITLE}" on B`);
  const url = (await item.locator('.muted').textContent()).trim();
  assert(PAD_URL.test(url), `the pad's address on B: ${url}`);
  state.pad = url;
}

async function personPublishes(t) {
  assert(state.eventPath, 'no draft was saved on B');
  const page = await t.context({ server: b, storageState: state.person });
  await t.visit(page, state.eventPath, 'group event draft');
  await t.submit(page, page.locator('main .organiser-tools button', { hasText: 'Publish' }), 'group event published', {
    path: state.eventPath,
  });
  assertEqual(await flashText(page, `${state.eventPath} after publishing`), 'The event is published.', 'flash after publishing');
  const organisers = (await page.locator('main .event-facts dd a').allTextContents()).map((s) => s.trim());
  assert(organisers.includes(GROUP.name), `the event is not organised by the group: ${organisers.join(' | ')}`);
  state.published = true;
}

async function aShowsEvent(t) {
  assert(state.published, 'the event was not published on B');
  const page = await t.context({ server: a, storageState: state.organiser });
  await pollPage(page, groupPath(), "the event on A's group page", (html) => html.includes(GROUP_EVENT.title));
  await t.visit(page, groupPath(), 'group page with the event');
  const link = page.locator('main section a', { hasText: GROUP_EVENT.title });
  assert((await link.count()) > 0, 'the event is not linked from the group page on A');
  await t.submit(page, link.first(), 'the event');
  assertEqual((await page.locator('main h1').textContent()).trim(), GROUP_EVENT.title, 'h1 of the event on A');
}

async function aShowsDiscussion(t) {
  assert(state.discussion, 'no discussion was started on B');
  const page = await t.context({ server: a, storageState: state.organiser });
  const list = `${groupPath()}/c`;
  await pollPage(page, list, "the discussion in A's list", (html) => html.includes(DISCUSSION.title));
  await t.visit(page, list, 'discussions of the group');
  await t.submit(page, page.locator('main a', { hasText: DISCUSSION.title }), 'the discussion');
  assertEqual((await page.locator('main h1').textContent()).trim(), DISCUSSION.title, 'h1 of the discussion on A');
  assert((await mainText(page)).includes(PERSON.username), 'the author is not named on A');
}

async function aShowsPad(t) {
  assert(state.pad, 'no pad was added on B');
  const page = await t.context({ server: a, storageState: state.organiser });
  const resources = `${groupPath()}/resources`;
  await pollPage(page, resources, "the pad in A's resources", (html) => html.includes(state.pad));
  await t.visit(page, resources, 'resources of the group');
  const item = page.locator('main li', { hasText: PAD_TITLE });
  assertEqual(await item.count(), 1, `resources titled "${PAD_TITLE}" on A`);
  assertEqual((await item.locator('.muted').textContent()).trim(), state.pad, "the pad's address on A");
}

async function mastodonReceivesEvent(t) {
  assert(state.published, 'the event was not published on B');
  const eventId = `${b.base}${state.eventPath}`;
  // An Announce names the event by its id (Mastodon then fetches it from its
  // origin); a Create carries it. Either way it must read as our event.
  const fetched = new Map();
  const eventOf = async (act) => {
    if (act.object && typeof act.object === 'object') return act.object;
    if (typeof act.object !== 'string') return null;
    if (!fetched.has(act.object)) {
      const res = await send(act.object, { headers: { accept: AP_TYPE } });
      fetched.set(act.object, res.status === 200 ? JSON.parse(res.body) : { status: res.status });
    }
    return fetched.get(act.object);
  };
  let delivery = null;
  let event = null;
  await waitFor(
    `an Announce or Create of the event "${GROUP_EVENT.title}" (${eventId}), signed by the group, in the FakePeer inbox`,
    async () => {
      for (const r of peer.verifiedWhere((act) => act.actor === state.groupId && ['Announce', 'Create'].includes(act.type)) || []) {
        const object = await eventOf(r.activity);
        if (object?.type === 'Event' && object.name === GROUP_EVENT.title) {
          [delivery, event] = [r, object];
          return true;
        }
      }
      return false;
    },
    { ms: FEDERATION_WAIT, every: 250, describe: () => peer.describeReceived() },
  );
  const act = delivery.activity;
  assertEqual(delivery.verified.keyId, `${state.groupId}#main-key`, 'keyId of the delivery');
  assertEqual(delivery.verified.owner, state.groupId, 'owner of the key');
  assertEqual(event.id, eventId, 'id of the event the group passed on');
  assertEqual([event.attributedTo].flat()[0], state.groupId, 'attributedTo of the event');
  const addressed = [act.to, act.cc].flat().filter(Boolean);
  assert(
    addressed.includes(`${state.groupId}/followers`) || addressed.includes('https://www.w3.org/ns/activitystreams#Public'),
    `the ${act.type} is addressed to ${addressed.join(', ')}, neither the group's followers nor the public`,
  );
  t.notes.push(`${act.type} ${act.id} of ${event.id} received at ${delivery.path}, signed with ${delivery.verified.keyId}`);
}

async function serversStop() {
  for (const server of [a, b]) {
    const exit = await server.stop();
    assert(exit && !exit.forced, `zerda ${server.name} did not stop within ${TIMEOUT.shutdown} ms of SIGTERM`);
    assert(exit.code === 0, `zerda ${server.name} stopped with code ${exit.code}, signal ${exit.signal}`);
  }
}

function serverLogsClean() {
  for (const server of [a, b]) {
    const bad = server.errorLines();
    assert(bad.length === 0, `zerda ${server.name} logged errors: ${bad.slice(0, 3).join(' | ')}`);
  }
}

// ---------------------------------------------------------------- main

async function start() {
  a = new Zerda({ name: 'a', env: FEDERATION_ENV });
  b = new Zerda({ name: 'b', env: FEDERATION_ENV, config: `[groups]\npad_url = "${PAD_TEMPLATE}"\n` });
  await a.createUser(ORGANISER);
  await b.createUser(PERSON);
  peer = new FakePeer({ username: 'choir_fan', name: 'Choir fan on Mastodon' });
  harness.cleanups.push(async () => {
    await peer.stop();
    writeFileSync(join(harness.artifacts, 'fakepeer.log'), `${peer.lines.join('\n')}\n`);
  });
  await Promise.all([a.start(), b.start(), peer.start(0)]);
}

async function main() {
  configure({ artifacts: join(HERE, 'artifacts', 'federation') });
  let startError = null;
  try {
    await start();
  } catch (e) {
    startError = e;
  }
  await test('servers start (zerda A, zerda B with a pad template, a FakePeer Mastodon)', async (t) => {
    if (startError) throw startError;
    t.notes.push(`A ${a.base}, B ${b.base}, FakePeer ${peer.actorId}`);
  });
  if (startError) return;
  await test('FakePeer self-test: its signature check refuses a changed body and a wrong key', fakePeerSelfTest);
  await launchBrowser();
  await test('organiser on A creates a moderated group', organiserCreatesGroup);
  await test('a Mastodon account follows the group and gets its Accept', mastodonFollows);
  await test('person on B finds the group through search and asks to join', personAsksToJoin);
  await test('organiser on A approves her and makes her a moderator', organiserApproves);
  await test('person on B drafts an event for the group', personDraftsEvent);
  await test('person on B starts a discussion in the group', personStartsDiscussion);
  await test('person on B adds a pad to the group resources', personAddsPad);
  await test('person on B publishes the event', personPublishes);
  await test('A shows the event on the group page', aShowsEvent);
  await test('A shows the discussion', aShowsDiscussion);
  await test('A shows the pad link in the resources', aShowsPad);
  await test('the Mastodon account receives the event from the group', mastodonReceivesEvent);
  if (harness.aborting) return;
  await closeBrowser();
  await test('servers stop on SIGTERM', serversStop);
  await test('server logs have no errors', serverLogsClean);
}

runMain(main, { whole: WHOLE });
