'use strict';
// search: get(path, {criteria, options:{fields, sort, limit, skip}}) — mongo-style criteria on
// the data fields (a bare key k means data.k; _meta.* are the record's meta fields) (SPEC §6,
// WIRE-TRANSCRIPT fact 16 and 27, happn-3 README "SEARCH").
//
// Several operators on ONE field ({n:{$gte:5,$lt:8}}) are not used here: happn-3 13.x applies only
// the first (a bug the Go server fixes, see differences.js); $and expresses ranges portably.

// seed stores /r/0 … /r/(n-1) as {n, t:'odd'|'even', name:'n<19-i>'} and returns the paths.
async function seed(t, c, n = 20) {
  for (let i = 0; i < n; i++) {
    const doc = { n: i, t: i % 2 ? 'odd' : 'even', name: `n${String(19 - i).padStart(2, '0')}` };
    if (i % 3 === 0) doc.third = true; // present on some items only ($exists)
    await c.set(t.path('r', String(i)), doc);
  }
}

// ns returns the n of every item, in the order the server returned them.
const ns = (items) => items.map((x) => x.n);

// search runs a get on the seeded items.
async function search(t, c, criteria, options) {
  const params = {};
  if (criteria) params.criteria = criteria;
  if (options) params.options = options;
  const r = await c.get(t.path('r', '*'), params);
  t.ok(Array.isArray(r), 'search returns an array');
  return r;
}

// byPath is the default order: lexicographic by path (/r/10 before /r/2).
const byPath = (list) => list.map(String).sort().map(Number);

function scenario(name, criteria, options, expected) {
  return {
    name,
    async run(t) {
      const c = await t.client();
      await seed(t, c);
      t.eq(ns(await search(t, c, criteria, options)), expected, name);
    },
  };
}

const all = [...Array(20).keys()];

module.exports = [
  scenario('criteria: equality on a data field', { t: 'odd' }, null, byPath(all.filter((i) => i % 2))),
  scenario('criteria: two fields are ANDed', { t: 'odd', n: { $gt: 10 } }, null, [11, 13, 15, 17, 19]),
  scenario('criteria: $in', { n: { $in: [1, 2, 30] } }, null, [1, 2]),
  scenario('criteria: $nin', { n: { $nin: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } }, null, byPath(all.filter((i) => i > 10))),
  scenario('criteria: $ne', { t: { $ne: 'odd' } }, null, byPath(all.filter((i) => i % 2 === 0))),
  scenario('criteria: $gt', { n: { $gt: 17 } }, null, [18, 19]),
  scenario('criteria: $gte', { n: { $gte: 17 } }, null, [17, 18, 19]),
  scenario('criteria: $lt', { n: { $lt: 2 } }, null, [0, 1]),
  scenario('criteria: $lte', { n: { $lte: 2 } }, null, [0, 1, 2]),
  scenario('criteria: a range with $and', { $and: [{ n: { $gte: 5 } }, { n: { $lt: 8 } }] }, null, [5, 6, 7]),
  scenario('criteria: $or', { $or: [{ n: 1 }, { n: 3 }, { t: 'nothing' }] }, null, [1, 3]),
  scenario('criteria: $or combined with a plain field', { $or: [{ n: { $lt: 3 } }, { n: { $gt: 17 } }], t: 'even' }, null, [0, 18, 2]),
  scenario('criteria: $regex as a string (case-sensitive)', { name: { $regex: '^n1[0-2]' } }, null, [7, 8, 9]),
  scenario('criteria: $regex as a string does not ignore case', { name: { $regex: '^N1' } }, null, []),
  scenario('criteria: $regex as [pattern, flags]', { name: { $regex: ['^N0[0-1]$', 'i'] } }, null, [18, 19]),
  scenario('criteria: $exists:true', { third: { $exists: true } }, null, byPath(all.filter((i) => i % 3 === 0))),
  scenario('criteria: $exists:false', { third: { $exists: false } }, null, byPath(all.filter((i) => i % 3 !== 0))),
  scenario('options: sort ascending on a number', null, { sort: { n: 1 } }, all),
  scenario('options: sort descending on a number', null, { sort: { n: -1 } }, [...all].reverse()),
  scenario('options: sort on a string field', null, { sort: { name: 1 }, limit: 3 }, [19, 18, 17]),
  scenario('options: limit', null, { sort: { n: 1 }, limit: 3 }, [0, 1, 2]),
  scenario('options: skip', null, { sort: { n: 1 }, skip: 17 }, [17, 18, 19]),
  scenario('options: sort desc + skip + limit', null, { sort: { n: -1 }, skip: 2, limit: 3 }, [17, 16, 15]),
  scenario('criteria + sort + limit together', { t: 'odd' }, { sort: { n: -1 }, limit: 2 }, [19, 17]),
  scenario('no criteria, no options: every item in path order', null, null, byPath(all)),
  scenario('options: sort on path descending', null, { sort: { path: -1 }, limit: 4 }, byPath(all).reverse().slice(0, 4)),
  scenario("options: sort on '_meta.path' descending", null, { sort: { '_meta.path': -1 }, limit: 4 }, byPath(all).reverse().slice(0, 4)),
  scenario('criteria that match nothing return []', { t: 'neither' }, null, []),
  {
    name: "criteria: '_meta.path' equality",
    async run(t) {
      const c = await t.client();
      await seed(t, c, 5);
      t.eq(ns(await search(t, c, { '_meta.path': t.path('r', '3') })), [3], '_meta.path');
    },
  },
  {
    name: 'options: fields projects the data to the named fields',
    async run(t) {
      const c = await t.client();
      await seed(t, c, 4);
      const r = await search(t, c, { t: 'odd' }, { fields: { name: 1, n: 1 }, sort: { n: -1 } });
      // happn-3 13.x returns _meta:{} here and 12.x {path,_id}: only the data is compared.
      t.eq(t.strip(r), [{ n: 3, name: 'n16' }, { n: 1, name: 'n18' }], 'projected items');
    },
  },
  {
    name: 'criteria on nested fields with dot notation',
    async run(t) {
      const c = await t.client();
      await c.set(t.path('r', 'a'), { n: 1, address: { town: 'Cape Town', code: 8001 } });
      await c.set(t.path('r', 'b'), { n: 2, address: { town: 'Durban', code: 4001 } });
      await c.set(t.path('r', 'c'), { n: 3, address: { town: 'Cape Town', code: 7700 } });
      t.eq(ns(await search(t, c, { 'address.town': 'Cape Town' })), [1, 3], 'nested equality');
      t.eq(ns(await search(t, c, { 'address.code': { $lt: 5000 } })), [2], 'nested $lt');
      t.eq(ns(await search(t, c, null, { sort: { 'address.code': 1 } })), [2, 3, 1], 'sort on nested field');
    },
  },
  {
    name: "criteria: a '_meta.created' range selects by creation time",
    async run(t) {
      const c = await t.client();
      const created = [];
      for (let i = 0; i < 5; i++) {
        created.push((await c.set(t.path('r', String(i)), { n: i }))._meta.created);
        await t.sleep(4); // distinct milliseconds
      }
      t.ok(new Set(created).size === 5, `distinct created times ${created}`);
      const range = { $and: [{ '_meta.created': { $gte: created[1] } }, { '_meta.created': { $lte: created[3] } }] };
      t.eq(ns(await search(t, c, range)), [1, 2, 3], '$gte/$lte range');
      t.eq(ns(await search(t, c, { '_meta.created': { $gt: created[3] } })), [4], '$gt');
      t.eq(ns(await search(t, c, null, { sort: { '_meta.created': -1 }, limit: 2 })), [4, 3], "sort {'_meta.created': -1}");
    },
  },
  {
    name: "criteria: '_meta.modified' reflects the last write",
    async run(t) {
      const c = await t.client();
      for (let i = 0; i < 3; i++) await c.set(t.path('r', String(i)), { n: i });
      await t.sleep(5);
      const mark = Date.now();
      await t.sleep(2);
      await c.set(t.path('r', '1'), { n: 1, touched: true });
      t.eq(ns(await search(t, c, { '_meta.modified': { $gt: mark } })), [1], 'modified after mark');
    },
  },
  {
    name: 'paging with skip and limit visits every item once',
    async run(t) {
      const c = await t.client();
      for (let i = 0; i < 25; i++) await c.set(t.path('series', 'horror', String(i)), { genre: 'horror', episode: i });
      for (let i = 0; i < 5; i++) await c.set(t.path('series', 'fantasy', String(i)), { genre: 'fantasy', episode: i });
      const pages = [];
      for (let page = 0; page < 3; page++) {
        const r = await c.get(t.path('series', '*'), {
          criteria: { genre: 'horror' },
          options: { sort: { episode: 1 }, skip: page * 10, limit: 10 },
        });
        pages.push(r.map((x) => x.episode));
      }
      t.eq(pages.map((p) => p.length), [10, 10, 5], 'page sizes');
      t.eq(pages.flat(), [...Array(25).keys()], 'all episodes in order');
    },
  },
  {
    name: 'README example: users by region/town/surname, fields {name:1}, sort {name:1}, limit 1',
    async run(t) {
      const c = await t.client();
      const users = [
        { name: 'simon', surname: 'Bishop', region: 'North', town: 'North.Cape Town' },
        { name: 'andrew', surname: 'Emslie', region: 'Central', town: 'South.East London' },
        { name: 'bob', surname: 'Bishop', region: 'Central', town: 'Durban' },
        { name: 'zed', surname: 'Smith', region: 'North', town: 'North.Cape Town' },
        { name: 'carol', surname: 'Emslie', region: 'West', town: 'Paarl' },
      ];
      for (const u of users) await c.set(t.path('users', u.name), u);
      const criteria = {
        $or: [{ region: { $in: ['North', 'South', 'East', 'West'] } }, { town: { $in: ['North.Cape Town', 'South.East London'] } }],
        surname: { $in: ['Bishop', 'Emslie'] },
      };
      const one = await c.get(t.path('users', '*'), { criteria, options: { fields: { name: 1 }, sort: { name: 1 }, limit: 1 } });
      t.eq(t.strip(one), [{ name: 'andrew' }], 'first user by name');
      const every = await c.get(t.path('users', '*'), { criteria, options: { fields: { name: 1 }, sort: { name: 1 } } });
      t.eq(t.strip(every), [{ name: 'andrew' }, { name: 'carol' }, { name: 'simon' }], 'all matching users');
      const regex = await c.get(t.path('users', '*'), { criteria: { name: { $regex: ['.*SIMON.*', 'i'] } }, options: { fields: { name: 1 }, sort: { name: 1 }, limit: 1 } });
      t.eq(t.strip(regex), [{ name: 'simon' }], 'README $regex [pattern, "i"]');
    },
  },
  {
    name: 'search items carry their data and _meta.path',
    async run(t) {
      const c = await t.client();
      await seed(t, c, 3);
      const r = await search(t, c, { n: 2 });
      t.eq(r.length, 1, 'one item');
      t.eq(t.strip(r[0]), { n: 2, t: 'even', name: 'n17' }, 'data');
      t.eq(r[0]._meta.path, t.path('r', '2'), 'path');
    },
  },
  {
    name: "LokiJS's operators: $containsAny, $contains, $containsNone and $between (happn-3 13.x's own search test)",
    needs: ['loki-operators'],
    async run(t) {
      const c = await t.client();
      await c.set(t.path('loki', 'complex'), {
        regions: ['North', 'South'],
        towns: ['North.Cape Town'],
        categories: ['Action', 'History'],
        keywords: ['bass', 'Penny Siopis'],
        n: 5,
        title: 'The Art of Angling',
      });
      await c.set(t.path('loki', 'other'), { regions: ['West'], towns: [], categories: [], keywords: [], n: 9, title: 'Other' });
      const names = async (criteria) => (await c.get(t.path('loki', '*'), { criteria })).map((x) => x._meta.path.split('/').pop()).sort();
      t.eq(
        await names({
          $or: [
            { regions: { $containsAny: ['North', 'South', 'East', 'West'] } },
            { towns: { $containsAny: ['North.Cape Town', 'South.East London'] } },
          ],
          keywords: { $containsAny: ['bass', 'Penny Siopis'] },
        }),
        ['complex'],
        'happn-3 13.x search test criteria'
      );
      t.eq(await names({ regions: { $containsAny: 'West' } }), ['other'], '$containsAny with one value');
      t.eq(await names({ regions: { $contains: ['North', 'South'] } }), ['complex'], '$contains: all of them');
      t.eq(await names({ regions: { $contains: ['North', 'West'] } }), [], '$contains: not all');
      t.eq(await names({ regions: { $containsNone: ['North'] } }), ['other'], '$containsNone');
      t.eq(await names({ title: { $containsAny: ['Angling'] } }), ['complex'], '$containsAny on a string: a substring');
      t.eq(await names({ n: { $between: [5, 8] } }), ['complex'], '$between, both ends included');
      t.eq(await names({ n: { $between: [6, 9] } }), ['other'], '$between upper end included');
    },
  },
];
