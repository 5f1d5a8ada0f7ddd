// The public search as a borrower asks, over real HTTP against a fixed catalogue: sizes beside a
// category word ("skridskor 38" is shoe size 38, and 37.5 and 38.5 fit too), size words (stl,
// tum, cm), synonyms and Swedish compounds from the vocabulary (search_words of
// migrations/0013_public.sql), typos one letter off, a lone number (sizes of any kind, or a
// code's number), and what the answer says when nothing asked for is on the shelf: the nearest
// sizes that are, and when the lent ones are due. Each query of the table names the first
// results it must give, in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { freshDb, startHylla, addBranch, addItem, addBorrower, staffClient, Client, OPEN_EVERY_DAY } from './lib.mjs';

let db;
let server;
let anon;
const code = {}; // key -> item code
let due; // the due date of the loans made below

// The catalogue of Fritidsbanken Deje: [key, name, category, size kind, size, status].
const CATALOGUE = [
  ['bauer38a', 'Hockeyskridskor Bauer', 121, 'shoe_eu', 38],
  ['bauer38b', 'Hockeyskridskor Bauer', 121, 'shoe_eu', 38, 'on_loan'],
  ['ccm375', 'Hockeyskridskor CCM', 121, 'shoe_eu', 37.5],
  ['fixed38', 'Hockeyskridskor Tack', 121, 'shoe_eu', 38, 'repair'],
  ['graf36', 'Konståkningsskridskor Graf', 122, 'shoe_eu', 36],
  ['graf39', 'Konståkningsskridskor Graf', 122, 'shoe_eu', 39],
  ['lundhags42', 'Långfärdsskridskor Lundhags', 123, 'shoe_eu', 42],
  ['white40', 'Skridsko vit', 12, 'shoe_eu', 40, 'on_loan'],
  ['football38', 'Fotbollsskor Adidas', 42, 'shoe_eu', 38],
  ['hiking41', 'Vandringskängor Meindl', 26, 'shoe_eu', 41],
  ['slalomboot385', 'Slalompjäxor Salomon', 113, 'shoe_eu', 38.5],
  ['xcboot44', 'Längdpjäxor Alpina', 114, 'shoe_eu', 44],
  ['fischer150', 'Längdskidor Fischer', 111, 'length_cm', 150],
  ['fischer160', 'Längdskidor Fischer', 111, 'length_cm', 160],
  ['madshus170', 'Längdskidor Madshus', 111, 'length_cm', 170, 'on_loan'],
  ['junior120', 'Längdskidor junior Peltonen', 111, 'length_cm', 120],
  ['kids100', 'Barnskidor Tegsnäs', 111, 'length_cm', 100],
  ['atomic140', 'Slalomskidor Atomic', 112, 'length_cm', 140],
  ['poles150', 'Skidstavar Swix', 115, 'length_cm', 150],
  ['skihelmet54', 'Skidhjälm Giro', 14, 'head_cm', 54],
  ['bikehelmet56', 'Cykelhjälm Abus', 53, 'head_cm', 56],
  ['kidshelmet50', 'Cykelhjälm barn', 53, 'head_cm', 50],
  ['bike26', 'Cykel Crescent', 51, 'wheel_in', 26],
  ['kidsbike20', 'Barncykel Skeppshult', 52, 'wheel_in', 20],
  ['kidsbike16', 'Barncykel Crescent', 52, 'wheel_in', 16, 'on_loan'],
  ['balance12', 'Balanscykel Kokua', 62, 'wheel_in', 12],
  ['lifejacket', 'Flytväst Baltic', 31, 'clothing', 'XS'],
  ['rescuevest', 'Räddningsväst vuxen', 31, 'clothing', 'L'],
  ['canoe', 'Kanot Linder', 32, 'length_cm', 450],
  ['tent', 'Tält Hilleberg', 21, 'other', '2 personer'],
  ['sleepingbag', 'Sovsäck Fjällräven', 22, 'length_cm', 190],
  ['scooter', 'Sparkcykel Micro', 61],
  ['inlines39', 'Inlines Rollerblade', 71, 'shoe_eu', 39],
  ['sled', 'Pulka röd', 15],
];

before(async () => {
  db = await freshDb();
  server = await startHylla({ database: db.conninfo });
  anon = new Client(server.url);
  await addBranch(db, 'deje', { prefix: 'DEJ', opening_hours: OPEN_EVERY_DAY });
  await addBranch(db, 'molkom', { prefix: 'MOL', opening_hours: OPEN_EVERY_DAY });
  const lend = [];
  for (const [key, name, category, sizeKind = null, size = null, status = 'available'] of CATALOGUE) {
    const numeric = typeof size === 'number';
    code[key] = await addItem(db, 'deje', {
      name, category, sizeKind, sizeNum: numeric ? size : null, sizeText: numeric ? null : size,
      status: status === 'on_loan' ? 'available' : status,
    });
    if (status === 'on_loan') lend.push(code[key]);
  }
  // Hidden from the public, and another branch's skates.
  await addItem(db, 'deje', { name: 'Hockeyskridskor Intag', category: 121, sizeKind: 'shoe_eu', sizeNum: 38, status: 'intake' });
  await addItem(db, 'molkom', { name: 'Hockeyskridskor Bauer', category: 121, sizeKind: 'shoe_eu', sizeNum: 38 });
  const vera = await staffClient(server, db, { username: 'vera', role: 'volunteer' });
  const borrower = await addBorrower(db, { branch: 'deje', name: 'Ada Lån', phone: '+46701234567' });
  const r = await vera.post('/api/checkouts', { borrower_id: borrower, items: lend });
  assert.equal(r.status, 201, r.text);
  due = r.json.loans[0].due_date;
});

after(async () => {
  await server?.stop();
  await db?.drop();
});

async function search(q, extra = '') {
  const r = await anon.get(`/api/public/items?branch=deje&q=${encodeURIComponent(q)}${extra}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// [query, the keys of the first results in order, what else to check of the answer]
const QUERIES = [
  // Sizes beside a category word, in that category's kind; the nearest first.
  ['skridskor 38', ['bauer38a', 'bauer38b', 'fixed38', 'ccm375'], { size: { kind: 'shoe_eu', value: 38 }, total: 4 }],
  ['skridsko 38', ['bauer38a', 'bauer38b', 'fixed38', 'ccm375']],
  ['Skridskor 38', ['bauer38a', 'bauer38b', 'fixed38', 'ccm375']],
  ['skridskor stl 38', ['bauer38a', 'bauer38b', 'fixed38', 'ccm375']],
  ['skridskor 37,5', ['ccm375', 'bauer38a', 'bauer38b', 'fixed38'], { total: 4 }],
  ['skridskor strl 36', ['graf36'], { total: 1 }],
  ['38 skridskor', ['bauer38a', 'bauer38b', 'fixed38', 'ccm375']],
  ['skor stl 38', ['football38', 'slalomboot385'], { total: 2, things: ['skor'] }],
  ['skor 41', ['hiking41'], { total: 1 }],
  ['kängor 41', ['hiking41'], { total: 1 }],
  ['hjälm 54', ['skihelmet54'], { size: { kind: 'head_cm', value: 54 }, things: ['hjälm'], total: 1 }],
  ['hjalm 55 cm', ['bikehelmet56', 'skihelmet54'], { size: { kind: 'head_cm', value: 55 }, total: 2 }],
  ['längdskidor 150', ['fischer150'], { size: { kind: 'length_cm', value: 150 }, total: 1 }],
  ['längdskidor 150–160 cm', ['fischer150', 'fischer160'], { size: { kind: 'length_cm', min: 150, max: 160 }, total: 2 }],
  ['langdskidor 160-150', ['fischer150', 'fischer160'], { total: 2 }],
  ['skidor 140', ['atomic140'], { total: 1 }],
  ['stavar 150', ['poles150'], { total: 1 }],
  ['cykel 20 tum', ['kidsbike20'], { size: { kind: 'wheel_in', value: 20 }, total: 1 }],
  ['cykel 26"', ['bike26'], { total: 1 }],
  ['balanscykel 12', ['balance12'], { total: 1 }],
  ['kanot 450', ['canoe'], { total: 1 }],
  ['inlines 39', ['inlines39'], { total: 1 }],
  ['flytväst L', ['rescuevest'], { size: { kind: 'clothing', text: 'l' }, total: 1 }],
  // Synonyms and compounds.
  ['barnskidor', ['kids100', 'junior120'], { things: ['barn', 'skidor'], total: 2 }],
  ['barnhjälm', ['kidshelmet50'], { total: 1 }],
  ['hockeyrör 38', ['bauer38a', 'bauer38b', 'fixed38', 'ccm375']],
  ['konståkning', ['graf36', 'graf39'], { total: 2 }],
  ['konståkningsskridskor 39', ['graf39'], { total: 1 }],
  ['långfärdsskridskor', ['lundhags42'], { total: 1 }],
  ['pjäxa', ['xcboot44', 'slalomboot385'], { total: 2 }],
  ['skidkängor 44', ['xcboot44'], { total: 1 }],
  ['flytväst', ['lifejacket', 'rescuevest'], { total: 2 }],
  ['räddningsväst', ['lifejacket', 'rescuevest'], { total: 2 }],
  ['rullskridskor', ['inlines39'], { total: 1 }],
  ['cykel', ['kidsbike16', 'kidsbike20', 'bike26'], { total: 3 }],
  ['cykelhjälm', ['bikehelmet56', 'kidshelmet50'], { total: 2 }],
  ['sparkcykel', ['scooter'], { total: 1 }],
  ['vuxenpjäxor 44', ['xcboot44'], { total: 1 }],
  ['talt', ['tent'], { total: 1 }],
  ['pulka', ['sled'], { total: 1 }],
  ['sovsäck', ['sleepingbag'], { total: 1 }],
  // Typos one letter off.
  ['skridkor 38', ['bauer38a', 'bauer38b', 'fixed38', 'ccm375'], { corrected: [['skridkor', 'skridskor']] }],
  ['skirdskor', ['bauer38a', 'bauer38b'], { corrected: [['skirdskor', 'skridskor']] }],
  ['lägdskidor 150', ['fischer150'], { corrected: [['lagdskidor', 'längdskidor']], total: 1 }],
  ['flytvääst', ['lifejacket', 'rescuevest'], { total: 2 }],
  // Brands and other words in the name, and codes.
  ['fischer', ['fischer150', 'fischer160'], { total: 2 }],
  ['fischer 150', ['fischer150'], { total: 1 }],
  ['salomon 38', ['slalomboot385'], { total: 1 }],
  // Nothing of the size asked for on the shelf: the nearest sizes that are, and when lent ones come back.
  ['skridskor 41', [], { total: 0, nearest: { smaller: 39, larger: 42 } }],
  ['skridskor 40', ['white40'], { total: 1, nearest: { smaller: 39, larger: 42, due_back: true } }],
  ['barncykel 16', ['kidsbike16'], { total: 1, nearest: { larger: 20, due_back: true } }],
  ['hjälm 60', [], { total: 0, nearest: { smaller: 56 } }],
  ['xyzzy', [], { total: 0, nearest: null }],
  ['kajak', ['canoe'], { total: 1 }],
];

test(`${QUERIES.length} borrower queries find what they mean, first results in order`, async () => {
  assert.ok(QUERIES.length >= 40);
  const failures = [];
  for (const [q, first, expect = {}] of QUERIES) {
    const answer = await search(q);
    const got = answer.items.map((it) => Object.keys(code).find((k) => code[k] === it.code) ?? it.code);
    const problems = [];
    const same = (a, b) => isDeepStrictEqual(a, b);
    if (!same(got.slice(0, first.length), first))
      problems.push(`first results ${JSON.stringify(got)}, not ${JSON.stringify(first)}`);
    if (got.some((k) => k.startsWith('MOL') || k === undefined)) problems.push(`another branch's item: ${got}`);
    if ('total' in expect && answer.total !== expect.total) problems.push(`total ${answer.total}, not ${expect.total}`);
    if ('size' in expect && !same(answer.understood.size, expect.size))
      problems.push(`size understood as ${JSON.stringify(answer.understood.size)}`);
    if ('things' in expect && !same(answer.understood.things, expect.things))
      problems.push(`things understood as ${JSON.stringify(answer.understood.things)}`);
    if ('corrected' in expect && !same(answer.understood.corrected, expect.corrected))
      problems.push(`corrected ${JSON.stringify(answer.understood.corrected)}`);
    if ('nearest' in expect) {
      const want = expect.nearest && { ...expect.nearest, ...(expect.nearest.due_back ? { due_back: due } : {}) };
      if (!same(answer.nearest, want))
        problems.push(`nearest ${JSON.stringify(answer.nearest)}, not ${JSON.stringify(want)}`);
    }
    if (problems.length) failures.push(`"${q}": ${problems.join('; ')}`);
  }
  assert.deepEqual(failures, []);
});

test('a lone number is a size of any kind or the number of a code; the exact code comes first', async () => {
  const n = Number(code.canoe.slice(4)); // DEJ-000NN
  const byNumber = await search(String(n));
  assert.equal(byNumber.items[0].code, code.canoe, 'the code of that number first');
  assert.equal(byNumber.understood.size, undefined);

  const sizes = await search('38');
  const keys = sizes.items.map((it) => Object.keys(code).find((k) => code[k] === it.code));
  assert.deepEqual(keys.slice(0, 4).sort(), ['bauer38a', 'bauer38b', 'fixed38', 'football38']);
  assert.deepEqual(keys.slice(4).sort(), ['ccm375', 'slalomboot385'], 'half sizes after the whole ones');

  for (const typed of [code.tent, code.tent.toLowerCase(), ` ${code.tent} `]) {
    const exact = await search(typed);
    assert.equal(exact.items[0].code, code.tent, typed);
  }
});

test('the search fields still work: a size range of a kind, a category, only what is in', async () => {
  const byFields = await search('', '&size_kind=shoe_eu&size_min=39&size_max=40');
  assert.deepEqual(byFields.items.map((it) => it.code).sort(), [code.graf39, code.white40, code.inlines39].sort());
  const inCategory = await search('38', '&category=12');
  assert.deepEqual(inCategory.items.map((it) => it.code), [code.bauer38a, code.bauer38b, code.fixed38, code.ccm375]);
  const available = await search('skridskor 38', '&available=true');
  assert.deepEqual(available.items.map((it) => it.code), [code.bauer38a, code.ccm375]);
  assert.equal(available.nearest, null, 'something asked for is in');
  // The fields' size counts as asked for too.
  const none = await search('skridskor', '&size_kind=shoe_eu&size_min=41&size_max=41');
  assert.deepEqual(none.nearest, { smaller: 39, larger: 42 });
});

test('what the vocabulary holds is data: a word added in SQL is understood at once', async () => {
  assert.equal((await search('rör 38')).total, 4, 'rör is hockeyrör');
  assert.equal((await search('tefatt')).total, 0);
  await db.query("INSERT INTO search_words (word, categories) VALUES ('tefat', '{15}')");
  const added = await search('tefatt');
  assert.deepEqual(added.items.map((it) => it.code), [code.sled], 'one letter off the new word');
  await assert.rejects(db.query("INSERT INTO search_words (word) VALUES ('Två ord')"), /check/);
});
