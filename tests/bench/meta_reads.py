"""make bench, object-cache coherence: what a request's read of a user's autowebinar_* meta costs."""

from __future__ import annotations

import os

from tests.stack import Stack

READS = int(os.environ.get("WHIEDA_BENCH_META_READS", "2000"))

# One PHP process, a user with the seven keys and some WordPress meta. Per read: the plugin's first read in
# a request (its SELECT of the user's autowebinar_* rows) against fetching the user's whole meta entry from
# the drop-in (wp_cache_get with $force, what WordPress's first read in a request costs without the plugin).
CODE = """
$user = wp_insert_user( array( 'user_login' => 'bench' . wp_generate_password( 8, false ), 'user_pass' => 'x' ) );
global $wpdb;
foreach ( array( 'session_id' => 's', 'started_at' => '2026-01-01 09:00:00', 'last_position_sec' => '10',
	'progress_percent' => '25', 'completed' => '0', 'cta_clicked_at' => '', 'last_seen_at' => '2026-01-01 09:00:10' ) as $k => $v ) {
	$wpdb->insert( $wpdb->usermeta, array( 'user_id' => $user, 'meta_key' => 'autowebinar_' . $k, 'meta_value' => $v ) );
}
get_user_meta( $user, 'nickname', true );
$meta = Whieda_Plugin::instance()->autowebinar_meta;
$times = array( 'plugin' => array(), 'dropin' => array() );
for ( $i = 0; $i < %d; $i++ ) {
	$meta->forget( null, $user );
	$t = hrtime( true );
	get_user_meta( $user, 'autowebinar_progress_percent', true );
	$times['plugin'][] = ( hrtime( true ) - $t ) / 1000;
	$t = hrtime( true );
	wp_cache_get( $user, 'user_meta', true );
	$times['dropin'][] = ( hrtime( true ) - $t ) / 1000;
}
require_once ABSPATH . 'wp-admin/includes/user.php';
wp_delete_user( $user );
foreach ( $times as &$list ) { sort( $list ); $list = array( $list[ intdiv( count( $list ), 2 ) ], $list[ intdiv( count( $list ) * 99, 100 ) ] ); }
return $times;
"""


def bench_meta_reads(stack: Stack) -> None:
    print(f"\nautowebinar_* meta reads under a persistent object cache, {READS} reads each (µs, p50 / p99):")
    print(f"  {'drop-in':<12} {'plugin: SELECT of the rows':>28} {'drop-in: the whole entry':>26}")
    for dropin in ("whieda", "automattic", "humanmade"):
        stack.install_object_cache(dropin)
        try:
            found = stack.wp_eval(CODE % READS, timeout=120)
        finally:
            stack.remove_object_cache()
            stack.flush_memcached()
        plugin, entry = found["plugin"], found["dropin"]
        print(f"  {dropin:<12} {plugin[0]:>18.0f} / {plugin[1]:<7.0f} {entry[0]:>16.0f} / {entry[1]:<7.0f}")
    print("  once per user and request, only for autowebinar_* keys (or all keys); other keys come from the cache")
