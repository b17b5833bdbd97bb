-- habitloop's row level security, as the migrations leave it: every per-user table forces
-- it, with a policy per command for authenticated and one for service_role; the task library
-- and the pooled bandit sums are read by authenticated and written by service_role; the
-- incidents (5xx answers) are read, added to and pruned (past the dashboard's 28 days) by
-- service_role alone; anon may do nothing. Run with `supabase test db` (or pg_prove) on a database migrated to head.
begin;
create extension if not exists pgtap;

select plan(60);

-- Row level security is enabled and forced (even the tables' owner sees no row without a policy).
select ok(
    (select relrowsecurity and relforcerowsecurity from pg_class where oid = ('public.' || t)::regclass),
    t || ' forces row level security'
)
from unnest(array[
    'users', 'checkins', 'plans', 'plan_items', 'decisions', 'rotation_state', 'feedback',
    'profiles', 'bandit_models', 'weekly_summaries', 'tasks', 'library_state', 'bandit_population',
    'incidents'
]) as t;

-- Every table with a user_id, including tables added after these tests were written.
select is_empty(
    $$ select c.relname::text from pg_class c join pg_attribute a on a.attrelid = c.oid
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
         and a.attname = 'user_id' and not a.attisdropped
         and not (c.relrowsecurity and c.relforcerowsecurity) $$,
    'every table with a user_id forces row level security'
);

-- One policy per command for authenticated on its own rows, and one for service_role.
select policies_are(
    'public', t,
    array[t || '_select_own', t || '_insert_own', t || '_update_own', t || '_delete_own', t || '_service'],
    t || ': own rows per command, and the service'
)
from unnest(array[
    'users', 'checkins', 'plans', 'plan_items', 'decisions', 'rotation_state', 'feedback',
    'profiles', 'bandit_models', 'weekly_summaries'
]) as t;

select policies_are('public', 'tasks', array['tasks_read', 'tasks_service'], 'tasks: read, and the service');
select policies_are(
    'public', 'library_state', array['library_state_read', 'library_state_service'],
    'library_state: read, and the service'
);
select policies_are(
    'public', 'bandit_population',
    array[
        'bandit_population_select_own_archetype', 'bandit_population_insert_own_archetype',
        'bandit_population_update_own_archetype', 'bandit_population_service'
    ],
    'bandit_population: the own archetype, and the service'
);
select policies_are(
    'public', 'incidents',
    array['incidents_service_select', 'incidents_service_insert', 'incidents_service_prune'],
    'incidents: the service reads, adds and prunes old ones, nobody else'
);

-- Grants: anon nothing; authenticated what its policies allow; nothing to PUBLIC.
select table_privs_are('public', t, 'anon', array[]::text[], 'anon has no privilege on ' || t)
from unnest(array[
    'users', 'checkins', 'plans', 'plan_items', 'decisions', 'rotation_state', 'feedback',
    'profiles', 'bandit_models', 'weekly_summaries', 'tasks', 'library_state', 'bandit_population',
    'incidents'
]) as t;

select table_privs_are(
    'public', t, 'authenticated', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    'authenticated reads and writes ' || t || ' (its policies pick the rows)'
)
from unnest(array[
    'users', 'checkins', 'plans', 'plan_items', 'decisions', 'rotation_state', 'feedback',
    'profiles', 'bandit_models', 'weekly_summaries'
]) as t;

select table_privs_are('public', 'tasks', 'authenticated', array['SELECT'], 'authenticated only reads tasks');
select table_privs_are(
    'public', 'library_state', 'authenticated', array['SELECT'], 'authenticated only reads library_state'
);
select table_privs_are(
    'public', 'bandit_population', 'authenticated', array['SELECT', 'INSERT', 'UPDATE'],
    'authenticated never deletes pooled sums'
);
select table_privs_are(
    'public', 'incidents', 'authenticated', array[]::text[], 'authenticated has no privilege on incidents'
);
select table_privs_are(
    'public', 'incidents', 'service_role', array['SELECT', 'INSERT', 'DELETE'],
    'service_role reads, adds and prunes incidents, never rewrites them'
);

select is_empty(
    $$ select c.relname::text from pg_class c, aclexplode(c.relacl) acl
       where c.oid = any(array[
           'users', 'checkins', 'plans', 'plan_items', 'decisions', 'rotation_state', 'feedback',
           'profiles', 'bandit_models', 'weekly_summaries', 'tasks', 'library_state', 'bandit_population',
           'incidents'
       ]::regclass[]) and acl.grantee = 0 $$,
    'PUBLIC has no privilege on any habitloop table'
);

-- Policies compare user_id with a sub-select of auth.uid(), evaluated once per statement.
select is_empty(
    $$ select policyname::text from pg_policies
       where schemaname = 'public'
         and replace(coalesce(qual, '') || ' ' || coalesce(with_check, ''),
                     '( SELECT auth.uid() AS uid)', '') like '%auth.uid()%' $$,
    'every policy reads auth.uid() through a sub-select'
);

select * from finish();
rollback;
