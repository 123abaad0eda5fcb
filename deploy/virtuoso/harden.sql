-- tehkg: least privilege for the account that answers `tehkg serve --backend http://HOST:8890/sparql`.
--
-- Virtuoso's anonymous /sparql runs every query as the SQL account "SPARQL". This script leaves that account
-- able to read the graphs tehkg publishes, and nothing else the grants of Virtuoso 7 can take away:
--   * roles: SPARQL_SELECT only - no SPARQL_UPDATE (no update), no SPARQL_SPONGE (no fetching documents into
--     the store); SERVICE and LOAD SERVICE stay refused by the rights SPARQL_SELECT lacks;
--   * graphs: every graph is private by default - the public ("nobody", whose rights "SPARQL" has) reads none -
--     and each published graph is made public: the publication record, the merge served as default graph (the
--     graph the record names with sd:defaultGraph; <https://w3id.org/tehkg/graph/default> for a record of an
--     earlier publisher) and the graphs the record lists. `tehkg build --target` makes the graphs of each new
--     version public the same way before it switches to them; the stages of a publish and graphs co-hosted on
--     the engine stay unreadable. A graph the record no longer lists is made private again here.
-- What no grant of Virtuoso 7 can take away (README, "Virtuoso's own wall"): built-ins such as bif:http_get,
-- bif:file_stat or, in 7.2.5, bif:exec, which runs SQL that reads every graph. Only tehkg may reach the engine.
--
-- Run it as dba, once the ini fragment beside it is in place and before `tehkg serve --backend` starts (setting
-- the default hides every graph until the published ones are granted, a moment later); it is idempotent:
--   isql-vt localhost:1111 dba "$DBA_PASSWORD" < deploy/virtuoso/harden.sql

create procedure DB.DBA.TEHKG_ROLE (in account varchar, in role_name varchar, in wanted integer)
{
  declare held integer;
  held := (select count (*) from DB.DBA.SYS_ROLE_GRANTS
    where GI_SUPER = (select U_ID from DB.DBA.SYS_USERS where U_NAME = account)
      and GI_SUB = (select U_ID from DB.DBA.SYS_USERS where U_NAME = role_name) and GI_DIRECT = 1);
  if (wanted and not held)
    exec (sprintf ('GRANT %s TO "%s"', role_name, account));
  if (held and not wanted)
    exec (sprintf ('REVOKE %s FROM "%s"', role_name, account));
}
;

create procedure DB.DBA.TEHKG_GRAPHS ()
{
  declare published any;
  published := vector ('https://w3id.org/tehkg/graph/publication', 'https://w3id.org/tehkg/graph/default');
  for (sparql select distinct (str (?g)) as ?graph
      where { graph <https://w3id.org/tehkg/graph/publication> {
        { ?record <http://purl.org/dc/terms/hasPart> ?g }
        union { ?record <http://www.w3.org/ns/sparql-service-description#defaultGraph> ?g } } }) do
    published := vector_concat (published, vector ("graph"));
  -- "SPARQL" holds no rights of its own, which would take precedence over the public's
  DB.DBA.RDF_ALL_USER_PERMS_DEL ('SPARQL');
  -- the public reads no graph, "world" or "private", but those granted below
  DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0);
  DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);
  foreach (varchar graph in published) do
    DB.DBA.RDF_GRAPH_USER_PERMS_SET (graph, 'nobody', 1);
  for (select id_to_iri (RGU_GRAPH_IID) as stale from DB.DBA.RDF_GRAPH_USER
      where RGU_USER_ID = http_nobody_uid () and RGU_GRAPH_IID <> #i0 and RGU_GRAPH_IID <> #i8192) do
    if (position (stale, published) = 0)
      DB.DBA.RDF_GRAPH_USER_PERMS_DEL (stale, 'nobody');
}
;

DB.DBA.TEHKG_ROLE ('SPARQL', 'SPARQL_SELECT', 1);
DB.DBA.TEHKG_ROLE ('SPARQL', 'SPARQL_UPDATE', 0);
DB.DBA.TEHKG_ROLE ('SPARQL', 'SPARQL_SPONGE', 0);
DB.DBA.TEHKG_GRAPHS ();

drop procedure DB.DBA.TEHKG_ROLE;
drop procedure DB.DBA.TEHKG_GRAPHS;
