-- No user sees or changes another's rows. Two users, Ana (peak_performer) and Ben
-- (foundation_builder), get one row in every per-user table; then, as Ana, every table shows
-- her row only, and every read, insert, update or delete of Ben's rows finds nothing or is
-- refused. anon may do nothing; service_role sees everyone; no user writes the task library.
-- Everything happens in one transaction that is rolled back.
begin;
create extension if not exists pgtap;

select plan(96);

-- How many rows a statement changed, counted as the role that runs it.
create function pg_temp.rows_changed(statement text) returns bigint language plpgsql as $$
declare
    changed bigint;
begin
    execute statement;
    get diagnostics changed = row_count;
    return changed;
end
$$;

-- The rows, written as the service writes them.
set local role service_role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);

insert into tasks (id, slug, name, description, category, subcategory, variation_group,
                   time_of_day, duration_minutes, difficulty, archetype_fit, mode_fit, tags, active)
values ('33333333-3333-4333-8333-333333333333', 'pgtap-glass-of-water', 'A glass of water',
        'Drink a glass of water.', 'hydration', 'water', 'pgtap-water', 'morning', 2, 'easy',
        '{}', '{}', '[]', true);
insert into library_state (id, version, revision) values (1, 'pgtap', 1) on conflict (id) do nothing;

insert into users (user_id, archetype, timezone, wake_time, sleep_time, categories, goals,
                   learning_phase)
values ('11111111-1111-4111-8111-111111111111', 'peak_performer', 'UTC', '07:00', '23:00',
        '[]', '[]', 'discovery'),
       ('22222222-2222-4222-8222-222222222222', 'foundation_builder', 'UTC', '07:00', '23:00',
        '[]', '[]', 'discovery');

create temporary table pgtap_users (user_id uuid, n int) on commit drop;
grant select on pgtap_users to public;
insert into pgtap_users values
    ('11111111-1111-4111-8111-111111111111', 1), ('22222222-2222-4222-8222-222222222222', 2);

insert into checkins (user_id, checkin_date, mode, mode_source)
select user_id, date '2026-11-23', 'medium', 'default' from pgtap_users;
insert into plans (user_id, plan_id, plan_date, archetype, mode, mode_source, learning_phase,
                   strategy, requested_strategy, library_version, policy_version, revision,
                   generated_ms)
select user_id, ('00000000-0000-4000-8000-00000000010' || n)::uuid, date '2026-11-23',
       'peak_performer', 'medium', 'default', 'discovery', 'dynamic', 'dynamic', 'pgtap', 'v1',
       0, 1.0
from pgtap_users;
insert into plan_items (user_id, item_id, plan_id, plan_date, position, task_id, category,
                        variation_group, slug, name, difficulty, time_block, start_time,
                        duration_minutes, score, propensity, reason)
select user_id, ('00000000-0000-4000-8000-00000000020' || n)::uuid,
       ('00000000-0000-4000-8000-00000000010' || n)::uuid, date '2026-11-23', 0,
       '33333333-3333-4333-8333-333333333333', 'hydration', 'pgtap-water',
       'pgtap-glass-of-water', 'A glass of water', 'easy', 'morning', '07:30', 2, 0.5, 1.0, 'pgtap'
from pgtap_users;
insert into decisions (user_id, decision_id, plan_id, item_id, decision_date, category, strategy,
                       policy_version, library_version, learning_phase, archetype, mode,
                       candidates, excluded_groups, chosen_task_id, score, propensity, explored,
                       rotation_fallback)
select user_id, ('00000000-0000-4000-8000-00000000030' || n)::uuid,
       ('00000000-0000-4000-8000-00000000010' || n)::uuid,
       ('00000000-0000-4000-8000-00000000020' || n)::uuid, date '2026-11-23', 'hydration',
       'dynamic', 'v1', 'pgtap', 'discovery', 'peak_performer', 'medium', '[]', '[]',
       '33333333-3333-4333-8333-333333333333', 0.5, 1.0, false, false
from pgtap_users;
insert into rotation_state (user_id, variation_group, category, last_used_on, use_count)
select user_id, 'pgtap-water', 'hydration', date '2026-11-23', 1 from pgtap_users;
insert into feedback (user_id, feedback_id, plan_item_id, task_id, plan_date, outcome, source,
                      occurred_at, event, revision)
select user_id, ('00000000-0000-4000-8000-00000000040' || n)::uuid,
       ('00000000-0000-4000-8000-00000000020' || n)::uuid,
       '33333333-3333-4333-8333-333333333333', date '2026-11-23', 'completed', 'explicit',
       timestamptz '2026-11-23 08:00+00', '{}', 0
from pgtap_users;
insert into profiles (user_id, state, events, completions)
select user_id, '{}', 1, 1 from pgtap_users;
insert into bandit_models (user_id, weights, answers)
select user_id, '{}', 1 from pgtap_users;
insert into bandit_population (archetype, users, features, totals)
values ('peak_performer', 1, '[]', ''), ('foundation_builder', 1, '[]', '')
on conflict do nothing;

create temporary table pgtap_tables (name text, parents int) on commit drop;
grant select on pgtap_tables to public;
-- ``parents``: deleted in this order, children before the rows they point at.
insert into pgtap_tables values
    ('feedback', 0), ('plan_items', 0), ('decisions', 0), ('rotation_state', 0),
    ('checkins', 0), ('profiles', 0), ('bandit_models', 0), ('plans', 1), ('users', 2);

-- As Ana.
reset role;
set local role authenticated;
select set_config(
    'request.jwt.claims', '{"sub":"11111111-1111-4111-8111-111111111111","role":"authenticated"}', true
);

select results_eq(
    format('select user_id from %I', name), $$ values ('11111111-1111-4111-8111-111111111111'::uuid) $$,
    'Ana sees her own row of ' || name || ' and no other'
)
from pgtap_tables;

select is(
    pg_temp.rows_changed(format(
        $$ update %I set user_id = user_id where user_id = '22222222-2222-4222-8222-222222222222' $$,
        name
    )),
    0::bigint,
    'Ana updates none of Ben''s rows of ' || name
)
from pgtap_tables;

select is(
    pg_temp.rows_changed(format(
        $$ delete from %I where user_id = '22222222-2222-4222-8222-222222222222' $$, name
    )),
    0::bigint,
    'Ana deletes none of Ben''s rows of ' || name
)
from pgtap_tables;

-- A copy of her own row, made out to Ben.
select throws_ok(
    format($$ insert into %1$I select (jsonb_populate_record(null::%1$I, to_jsonb(mine)
              || '{"user_id": "22222222-2222-4222-8222-222222222222"}')).* from %1$I mine $$, name),
    '42501', format('new row violates row-level security policy for table "%s"', name),
    'Ana cannot insert a row of ' || name || ' for Ben'
)
from pgtap_tables;

select throws_ok(
    format($$ update %I set user_id = '22222222-2222-4222-8222-222222222222' $$, name),
    '42501', format('new row violates row-level security policy for table "%s"', name),
    'Ana cannot hand her row of ' || name || ' to Ben'
)
from pgtap_tables;

select is(
    pg_temp.rows_changed(format('update %I set user_id = user_id', name)),
    1::bigint,
    'Ana updates her own row of ' || name
)
from pgtap_tables;

-- The library: read, never written.
select isnt_empty('select 1 from tasks where active', 'Ana reads the task library');
select throws_ok(
    $$ insert into tasks (id, slug, name, description, category, subcategory, variation_group,
                          time_of_day, duration_minutes, difficulty, archetype_fit, mode_fit,
                          tags, active)
       values (gen_random_uuid(), 'pgtap-mine', 'Mine', 'Mine.', 'hydration', 'water',
               'pgtap-mine', 'any', 1, 'easy', '{}', '{}', '[]', true) $$,
    '42501', 'permission denied for table tasks', 'Ana cannot add a task'
);
select throws_ok(
    'update tasks set name = ''Renamed''', '42501', 'permission denied for table tasks',
    'Ana cannot change a task'
);
select throws_ok(
    'delete from tasks', '42501', 'permission denied for table tasks', 'Ana cannot delete a task'
);
select throws_ok(
    $$ insert into library_state (id, version, revision) values (2, 'mine', 1) $$,
    '42501', 'permission denied for table library_state', 'Ana cannot add a library version'
);
select throws_ok(
    'update library_state set revision = revision + 1', '42501',
    'permission denied for table library_state', 'Ana cannot move the library''s revision'
);
select throws_ok(
    'delete from library_state', '42501', 'permission denied for table library_state',
    'Ana cannot delete the library''s state'
);

-- The pooled sums: her archetype's only, added to and never deleted.
select results_eq(
    'select distinct archetype::text from bandit_population', $$ values ('peak_performer') $$,
    'Ana sees the pooled sums of her archetype only'
);
select cmp_ok(
    pg_temp.rows_changed(
        $$ update bandit_population set users = users + 1 where archetype = 'peak_performer' $$
    ),
    '>', 0::bigint,
    'Ana''s answers add to her archetype''s sums'
);
select is(
    pg_temp.rows_changed(
        $$ update bandit_population set users = users + 1 where archetype = 'foundation_builder' $$
    ),
    0::bigint,
    'Ana changes no other archetype''s sums'
);
select throws_ok(
    $$ insert into bandit_population (archetype, shard, users, features, totals)
       values ('foundation_builder', 99, 1, '[]', '') $$,
    '42501', 'new row violates row-level security policy for table "bandit_population"',
    'Ana cannot add sums to another archetype'
);
select throws_ok(
    'delete from bandit_population', '42501', 'permission denied for table bandit_population',
    'Ana cannot delete pooled sums'
);

-- Last, children first: her own rows can go.
select is(
    pg_temp.rows_changed(format('delete from %I', name)), 1::bigint,
    'Ana deletes her own row of ' || name
)
from (select name from pgtap_tables order by parents) as ordered;

-- anon: nothing at all.
reset role;
set local role anon;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
select throws_ok(
    format('select 1 from %I', name), '42501', format('permission denied for table %s', name),
    'anon cannot read ' || name
)
from unnest(array[
    'users', 'checkins', 'plans', 'plan_items', 'decisions', 'rotation_state', 'feedback',
    'profiles', 'bandit_models', 'tasks', 'library_state', 'bandit_population'
]) as name;

-- service_role: everyone (Ana's rows were deleted above, Ben's are there).
reset role;
set local role service_role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
select results_eq(
    format($$ select count(*) from %I where user_id in ('11111111-1111-4111-8111-111111111111',
              '22222222-2222-4222-8222-222222222222') $$, name),
    $$ values (1::bigint) $$,
    'service_role sees Ben''s row of ' || name
)
from pgtap_tables;

select * from finish();
rollback;
