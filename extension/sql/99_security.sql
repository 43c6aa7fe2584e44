
-- ---- who may change a task --------------------------------------------------------------------
-- A task runs with its owner's source login (dts._source_connection), so its configuration and
-- state may be written only by the owner (or a member of it), by the sidecar's login
-- (dts_sidecar) and by superusers: another dts_admin member can neither point someone else's
-- task at other tables or filters nor take it over. The API functions run as the caller, so the
-- same check covers them and plain DML on the tables.
CREATE FUNCTION dts._may_change_task(id bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
      OR pg_has_role(current_user, 'dts_sidecar', 'member')
      -- A row whose task is gone (a cascade of its deletion) has no owner to protect.
      OR coalesce((SELECT r.oid IS NOT NULL AND pg_has_role(current_user, r.oid, 'member')
                     FROM dts.tasks k LEFT JOIN pg_roles r ON r.rolname = k.owner
                    WHERE k.task_id = id), true);
$$;

CREATE FUNCTION dts._guard_task_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  id bigint;
  owner name;
BEGIN
  IF TG_OP = 'DELETE' THEN id := OLD.task_id; ELSE id := NEW.task_id; END IF;
  IF NOT dts._may_change_task(id) OR (TG_OP = 'UPDATE' AND NOT dts._may_change_task(OLD.task_id)) THEN
    SELECT k.owner INTO owner FROM dts.tasks k WHERE k.task_id = id;
    RAISE EXCEPTION 'permission denied: role "%" may not change pg_dts task % (table %), owned by role "%"',
      current_user, id, TG_TABLE_NAME, owner
      USING ERRCODE = '42501',
            HINT = 'Only the task''s owner (or a member of it), the sidecar''s login (dts_sidecar) and superusers change a task.';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;

-- dts.tasks itself: a new task belongs to a role the creator is a member of, and only a member
-- of the new owner may hand a task to it (a task's owner decides whose login it runs with).
CREATE FUNCTION dts._guard_task_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'INSERT' OR NEW.owner IS DISTINCT FROM OLD.owner)
     AND NOT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)
     AND NOT coalesce((SELECT pg_has_role(current_user, r.oid, 'member') FROM pg_roles r
                        WHERE r.rolname = NEW.owner), false) THEN
    RAISE EXCEPTION 'permission denied: role "%" may not make role "%" the owner of pg_dts task "%"',
      current_user, NEW.owner, NEW.name
      USING ERRCODE = '42501', HINT = 'A task belongs to the role that creates it; a superuser may change its owner.';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tasks_owner BEFORE INSERT OR UPDATE ON dts.tasks
  FOR EACH ROW EXECUTE FUNCTION dts._guard_task_owner();

DO $$
DECLARE tbl text;
BEGIN
  FOREACH tbl IN ARRAY ARRAY['tasks', 'task_objects', 'table_settings', 'schema_maps', 'name_rules',
                             'tables', 'checkpoints', 'chunks'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE %s ON dts.%I FOR EACH ROW EXECUTE FUNCTION dts._guard_task_write()',
                   tbl || '_guard', CASE tbl WHEN 'tasks' THEN 'UPDATE OR DELETE' ELSE 'INSERT OR UPDATE OR DELETE' END, tbl);
  END LOOP;
END $$;

-- A stored row filter is one search condition whatever wrote it (the API checks first, with a
-- clearer message; the sidecar and the FDW check again before sending it).
CREATE FUNCTION dts._check_filter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.filter IS NOT NULL AND dts.tsql_filter_error(NEW.filter) IS NOT NULL THEN
    RAISE EXCEPTION 'row filter of %.%.% is not one T-SQL search condition: %', NEW.source_db,
      NEW.source_schema, NEW.source_table, dts.tsql_filter_error(NEW.filter)
      USING ERRCODE = '22023', HINT = 'Set it with dts_set_filter().';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER table_settings_filter BEFORE INSERT OR UPDATE OF filter ON dts.table_settings
  FOR EACH ROW EXECUTE FUNCTION dts._check_filter();

-- ---- search_path ------------------------------------------------------------------------------
-- Every function of the extension resolves names as installed, never through the caller's
-- search_path. Only pg_catalog: PostgreSQL picks the best-matching function over every schema
-- in the path, so an exact public.unnest(text[]) would beat the polymorphic built-in even with
-- pg_catalog first; internal calls of the API functions are written @extschema@.name. Last in
-- the script: it covers every function created before it.
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
             JOIN pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass
            WHERE e.extname = 'pg_dts'
              AND NOT coalesce(p.proconfig::text LIKE '%search_path=%', false) LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f);
  END LOOP;
END $$;
