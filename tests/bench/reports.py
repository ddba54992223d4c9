"""make bench, reports: a webinar's report and its attendees' CSV with 10,000 registrations, and the
recording's funnel over 100,000 users' autowebinar_* rows, each against a plain WP_User_Query doing
the same count, in the same run. The funnel reads the counters the sidecar keeps beside the meta
(sidecar/user_meta/funnel.py); the line below it times their recount from the rows (the migration's
step, what an operator runs after writing rows behind the sidecar's back).

The rows are made with INSERT … SELECT (MariaDB's sequence engine) and removed afterwards, so the
test stack is left as it was. Each figure is the median of REPEAT runs, timed inside PHP (WordPress
loaded; WP_User_Query with cache_results off, so each run counts rather than reads WordPress 6.3+'s
cached answer) and, for the page and the CSV, over HTTP as an admin gets them.
"""

from __future__ import annotations

import html
import os
import re
import statistics
import time

from sidecar.config import Config
from sidecar.db import connect
from sidecar.user_meta import funnel
from tests.helpers import login, recount_funnel
from tests.stack import Stack

REGISTRATIONS = int(os.environ.get("WHIEDA_BENCH_REGISTRATIONS", "10000"))
VIEWERS = int(os.environ.get("WHIEDA_BENCH_AW_USERS", "100000"))
REPEAT = 5
LOGIN = "bench\\_aw\\_%%"  # every statement goes through the driver's %-formatting
LEAD = "Bench lead %%"


def seed(stack: Stack, webinar: int) -> None:
    """A finished webinar with REGISTRATIONS leads (and as many users registered to it), 90 minutes of
    presence, 3 messages per lead; VIEWERS users with the seven autowebinar_* rows."""
    t = stack.table
    stack.sql(f"""INSERT INTO {t('users')} (user_login, user_pass, user_nicename, user_email, user_registered,
                  display_name) SELECT CONCAT('bench_aw_', seq), '', CONCAT('bench-aw-', seq),
                  CONCAT('bench', seq, '@example.test'), UTC_TIMESTAMP(), CONCAT('Зритель ', seq)
                  FROM seq_1_to_{VIEWERS}""")
    users = f"SELECT ID, ID MOD 3601 AS pos FROM {t('users')} WHERE user_login LIKE '{LOGIN}'"
    for key, value in (
            ("autowebinar_session_id", "CONCAT('s-', ID)"),
            ("autowebinar_started_at", "'2026-12-01 10:00:00'"),
            ("autowebinar_last_position_sec", "pos"),
            ("autowebinar_progress_percent", "FLOOR(pos * 4 / 3600) * 25"),
            ("autowebinar_completed", "IF(pos >= 3600, '1', '0')"),
            ("autowebinar_last_seen_at", "'2026-12-01 11:00:00'")):
        stack.sql(f"INSERT INTO {t('usermeta')} (user_id, meta_key, meta_value)"
                  f" SELECT ID, '{key}', {value} FROM ({users}) u")
    stack.sql(f"INSERT INTO {t('usermeta')} (user_id, meta_key, meta_value) SELECT ID,"
              f" 'autowebinar_cta_clicked_at', '2026-12-01 10:50:00' FROM ({users}) u WHERE pos >= 2700 AND ID MOD 3 = 0")
    stack.sql(f"INSERT INTO {t('usermeta')} (user_id, meta_key, meta_value) SELECT ID, 'whieda_registered_{webinar}',"
              f" '1' FROM {t('users')} WHERE user_login LIKE '{LOGIN}' ORDER BY ID LIMIT {REGISTRATIONS}")
    recount_funnel(Config.from_env(stack.sidecar_env()))

    stack.sql(f"""INSERT INTO {t('posts')} (post_author, post_date, post_date_gmt, post_content, post_title,
                  post_excerpt, post_status, post_name, to_ping, pinged, post_modified, post_modified_gmt,
                  post_content_filtered, post_type) SELECT 1, NOW(), UTC_TIMESTAMP(), '', CONCAT('Bench lead ', seq,
                  IF(seq MOD 50 = 0, ' =1+1', '')), '', 'publish', CONCAT('bench-lead-', seq), '', '', NOW(),
                  UTC_TIMESTAMP(), '', 'lead_entry' FROM seq_1_to_{REGISTRATIONS}""")
    stack.sql(f"""INSERT INTO {t('whieda_attendance')} (webinar_id, lead_id, registered_at, entered_at, seen_at,
                  present_sec, attended, classified_at, cta_shown_at, cta_clicked_at, updated_at)
                  SELECT {webinar}, ID, UTC_TIMESTAMP() - INTERVAL 3 DAY, IF(ID MOD 4 = 0, NULL, UTC_TIMESTAMP() - INTERVAL 2 HOUR),
                  NULL, IF(ID MOD 4 = 0, 0, ID MOD 5400), IF(ID MOD 4 <> 0 AND ID MOD 5400 >= 600, 1, 0), UTC_TIMESTAMP(),
                  IF(ID MOD 4 = 0, NULL, UTC_TIMESTAMP() - INTERVAL 100 MINUTE),
                  IF(ID MOD 9 = 0 AND ID MOD 4 <> 0, UTC_TIMESTAMP() - INTERVAL 95 MINUTE, NULL), UTC_TIMESTAMP()
                  FROM {t('posts')} WHERE post_type = 'lead_entry' AND post_title LIKE '{LEAD}'""")
    stack.sql(f"""INSERT INTO {t('whieda_rooms')} (webinar_id, status, player_embed, chat_embed, details, live_since,
                  ended_at, live_sec, updated_at) VALUES ({webinar}, 'ended', '', '', '{{}}',
                  UTC_TIMESTAMP() - INTERVAL 2 HOUR, UTC_TIMESTAMP() - INTERVAL 30 MINUTE, 5400, UTC_TIMESTAMP())""")
    stack.sql(f"""INSERT INTO {t('whieda_presence_minutes')} (webinar_id, minute, viewers)
                  SELECT {webinar}, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 2 HOUR, '%%Y-%%m-%%d %%H:%%i:00')
                  + INTERVAL seq MINUTE, 7500 - ABS(45 - CAST(seq AS SIGNED)) * 100 FROM seq_0_to_89""")
    stack.sql(f"""INSERT INTO {t('whieda_jobs')} (kind, dedup_key, payload, webinar_id, scenario, status, run_at,
                  attempts, last_error, created_at, updated_at) SELECT 'telegram', CONCAT('bench:{webinar}:', seq),
                  CONCAT('{{"scenario": "', ELT(1 + seq MOD 3, 'reminder', 'post_webinar', 'partner_notice'), '"}}'),
                  {webinar}, ELT(1 + seq MOD 3, 'reminder', 'post_webinar', 'partner_notice'), IF(seq MOD 17 = 0, 'failed', 'done'), UTC_TIMESTAMP(), 1,
                  IF(seq MOD 17 = 0, 'Forbidden: bot was blocked by the user', NULL), UTC_TIMESTAMP(), UTC_TIMESTAMP()
                  FROM seq_1_to_{3 * REGISTRATIONS}""")




def unseed(stack: Stack, webinar: int) -> None:
    t = stack.table
    stack.sql(f"DELETE m FROM {t('usermeta')} m JOIN {t('users')} u ON u.ID = m.user_id"
              f" WHERE u.user_login LIKE '{LOGIN}'")
    stack.sql(f"DELETE FROM {t('users')} WHERE user_login LIKE '{LOGIN}'")
    stack.sql(f"DELETE FROM {t('posts')} WHERE post_type = 'lead_entry' AND post_title LIKE '{LEAD}'")
    for table in ("whieda_attendance", "whieda_rooms", "whieda_presence_minutes", "whieda_jobs"):
        stack.sql(f"DELETE FROM {t(table)} WHERE webinar_id = %s", (webinar,))
    stack.wp_eval(f"wp_delete_post( {webinar}, true ); wp_cache_flush(); return true;")
    recount_funnel(Config.from_env(stack.sidecar_env()))


def in_php(stack: Stack, body: str) -> float:
    """Median milliseconds of ``body`` (PHP) over REPEAT runs in one WordPress process."""
    times = stack.wp_eval(f"""$times = array();
        for ( $i = 0; $i < {REPEAT}; $i++ ) {{ $t = microtime( true ); {body} $times[] = 1000 * ( microtime( true ) - $t ); }}
        return $times;""", timeout=600)
    return statistics.median(times)


def over_http(session, url: str) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(REPEAT):
        started = time.perf_counter()
        answer = session.get(url, timeout=120)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
        size = len(answer.content)
    return statistics.median(times), size


def bench_reports(stack: Stack) -> None:
    started = time.perf_counter()
    webinar = stack.wp_eval("return wp_insert_post( array( 'post_type' => 'webinar_event', 'post_status' =>"
                            " 'publish', 'post_title' => 'Bench: отчёт' ) );")
    try:
        seed(stack, webinar)
        print(f"\nReports: a webinar with {REGISTRATIONS:,} registrations, {3 * REGISTRATIONS:,} messages, 90 minutes;"
              f" the funnel over {VIEWERS:,} users' autowebinar_* rows (seeded in {time.perf_counter() - started:.0f} s);"
              f" median of {REPEAT}, milliseconds")
        query = "( new WP_User_Query( array( 'number' => 1, 'fields' => 'ID', 'count_total' => true, 'cache_results' => false, 'meta_query' => array( {} ) ) ) )"
        rows = [
            ("report figures, messages, minute chart (Whieda_Report_Store + chart_svg)",
             in_php(stack, f"Whieda_Report_Store::figures( {webinar} ); Whieda_Report_Store::messages( {webinar} );"
                           f" Whieda_Reports::chart_svg( Whieda_Report_Store::minutes( {webinar} ) );"),
             "WP_User_Query: count the users registered to it",
             in_php(stack, query.format(f"array( 'key' => 'whieda_registered_{webinar}' )") + "->get_total();")),
            ("attendees' CSV, every row (Whieda_Reports::write_rows)",
             in_php(stack, f"$out = fopen( 'php://memory', 'w' ); Whieda_Reports::write_rows( $out, {webinar} );"
                           " fclose( $out );"),
             "WP_User_Query: list those users (ID, name)",
             in_php(stack, f"new WP_User_Query( array( 'number' => -1, 'fields' => array( 'ID', 'display_name' ), 'cache_results' => false,"
                           f" 'meta_key' => 'whieda_registered_{webinar}' ) );")),
            ("the recording's funnel (Whieda_Report_Store::funnel, the counters)",
             in_php(stack, "Whieda_Report_Store::funnel();"),
             "WP_User_Query: the same six counts and the median",
             in_php(stack, query.format("array( 'key' => 'autowebinar_last_position_sec' )") + "->get_total();"
                    + "".join(query.format(f"array( 'key' => 'autowebinar_progress_percent', 'value' => {p},"
                                           " 'compare' => '>=', 'type' => 'NUMERIC' )") + "->get_total();"
                              for p in (25, 50, 75, 100))
                    + query.format("array( 'key' => 'autowebinar_cta_clicked_at', 'compare' => 'EXISTS' )")
                    + "->get_total();"
                    + "$left = " + query.format("'relation' => 'AND', array( 'key' => 'autowebinar_last_position_sec' ),"
                                                " array( 'key' => 'autowebinar_completed', 'value' => '1', 'compare' => '!=' )")
                    + "->get_total(); new WP_User_Query( array( 'number' => 2, 'offset' => intdiv( $left - 1, 2 ), 'cache_results' => false,"
                      " 'fields' => 'ID', 'meta_key' => 'autowebinar_last_position_sec', 'orderby' => 'meta_value_num',"
                      " 'meta_query' => array( array( 'key' => 'autowebinar_completed', 'value' => '1', 'compare' => '!=' ) ) ) );")),
        ]
        config = Config.from_env(stack.sidecar_env())
        conn = connect(config)
        try:
            recount_ms = []
            for _ in range(REPEAT):
                started_at = time.perf_counter()
                conn.begin()
                funnel.rebuild(conn, config)
                conn.rollback()
                recount_ms.append((time.perf_counter() - started_at) * 1000)
        finally:
            conn.close()
        for ours, ours_ms, theirs, theirs_ms in rows:
            print(f"  {ours:<74} {ours_ms:8.1f}   {theirs:<52} {theirs_ms:8.1f}")
        print(f"  {'recounting those counters from the rows (funnel.rebuild, the migration step)':<74} {statistics.median(recount_ms):8.1f}")
        admin = login(stack.site_url, "admin", stack.secrets["admin_password"])
        page_ms, page_bytes = over_http(admin, f"{stack.site_url}/wp-admin/admin.php?page=whieda-reports&webinar={webinar}")
        page = admin.get(f"{stack.site_url}/wp-admin/admin.php?page=whieda-reports&webinar={webinar}", timeout=120).text
        csv_url = html.unescape(re.search(r'href="([^"]*action=whieda_report_csv[^"]*)"', page).group(1))
        csv_ms, csv_bytes = over_http(admin, csv_url)
        print(f"  {'the report page over HTTP, as an admin (the funnel included)':<74} {page_ms:8.1f}   ({page_bytes:,} bytes)")
        print(f"  {'the CSV download over HTTP':<74} {csv_ms:8.1f}   ({csv_bytes:,} bytes)")
        print("  goal: each report under 1 s")
    finally:
        unseed(stack, webinar)
