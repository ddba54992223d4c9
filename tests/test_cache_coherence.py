"""WordPress reads what the sidecar wrote on its very next request, whatever object-cache drop-in the site
runs, with nothing configured: the plugin's own, Automattic's (memcache extension, keys carrying a flush
number rotated by wp_cache_flush()) and Human Made's (memcached extension, keys without a colon after the
table prefix). The peers' drop-ins are installed unmodified from ../shared/peers/."""

from __future__ import annotations

import pytest

from tests.helpers import php_value
from tests.test_autowebinar import Viewer, watched
from tests.test_user_meta import bare_user

DROPINS = ("whieda", "automattic", "humanmade")
SHOWN = ("autowebinar_last_position_sec", "autowebinar_progress_percent")


@pytest.fixture(params=DROPINS)
def dropin(request, stack, sidecar):
    stack.install_object_cache(request.param)
    try:
        assert stack.wp_eval("return (bool) wp_using_ext_object_cache();") is True
        yield request.param
    finally:
        stack.remove_object_cache()
        stack.flush_memcached()  # nothing a drop-in cached outlives it
    assert stack.wp_eval("return (bool) wp_using_ext_object_cache();") is False


def cached_read(stack, user: int, fresh: bool = True) -> dict:
    """A new request: the user's meta as WordPress reads it, and whether it came from the object cache.
    ``fresh=False`` reads without the plugin's coherence filter (the control)."""
    off = "" if fresh else "remove_all_filters( 'get_user_metadata' );"
    return stack.wp_eval(
        f"{off} $hit = is_array( wp_cache_get( {user}, 'user_meta' ) ); $out = array( 'cached' => $hit );"
        f" foreach ( {php_value(list(SHOWN))} as $k ) {{ $out[ $k ] = get_user_meta( {user}, $k, true ); }}"
        f" $all = get_user_meta( {user} ); $out['all'] = $all['autowebinar_progress_percent'][0] ?? null;"
        " return $out;")


def join_and_watch(stack, user: int) -> None:
    """Through the sidecar's fast paths (the site's nginx): a join, then half of the recording watched."""
    viewer = Viewer(stack, user, dur=100)
    viewer.join()
    watched(stack, user, 50)
    assert viewer.at("progress", 50).json()["progress"] == 50


def warm(stack, user: int) -> None:
    """WordPress caches the user's meta (before the viewer's first join: no position yet)."""
    stack.sql(f"INSERT INTO {stack.table('usermeta')} (user_id, meta_key, meta_value) VALUES (%s, 'nickname', %s)",
              (user, f"u{user}"))
    first = cached_read(stack, user)
    assert first["autowebinar_progress_percent"] == ""
    assert cached_read(stack, user)["cached"] is True, "the drop-in did not cache the user's meta"


def assert_reads_new_values(stack, user: int) -> None:
    after = cached_read(stack, user)
    assert (after["autowebinar_last_position_sec"], after["autowebinar_progress_percent"], after["all"]) == (
        "50", "50", "50")
    assert stack.wp_eval(f"return get_user_meta( {user}, 'nickname', true );") == f"u{user}"  # the rest: cached


def test_cached_meta_then_join_and_progress_are_read_on_the_next_request(stack, dropin):
    user = bare_user(stack)
    warm(stack, user)
    join_and_watch(stack, user)
    assert_reads_new_values(stack, user)


def test_the_same_after_wp_cache_flush(stack, dropin):
    user = bare_user(stack)
    warm(stack, user)
    assert stack.wp_eval("return wp_cache_flush();") is True
    warm(stack, user)  # cached again, under the keys the flush rotated (Automattic's flush number)
    join_and_watch(stack, user)
    assert_reads_new_values(stack, user)


def test_the_same_after_memcached_restarts(stack, dropin):
    user = bare_user(stack)
    warm(stack, user)
    stack.stop("memcached")
    stack.start_memcached()
    warm(stack, user)
    join_and_watch(stack, user)
    assert_reads_new_values(stack, user)


def test_without_the_plugins_filter_a_flushed_automattic_cache_would_serve_stale_values(stack, sidecar):
    """The control: after wp_cache_flush() the sidecar's delete misses Automattic's live key, so the
    cached entry is stale; the plugin's read of the autowebinar_* rows is what keeps WordPress right."""
    stack.install_object_cache("automattic")
    try:
        user = bare_user(stack)
        warm(stack, user)
        stack.wp_eval("return wp_cache_flush();")
        warm(stack, user)
        join_and_watch(stack, user)
        assert cached_read(stack, user, fresh=False)["autowebinar_progress_percent"] == ""  # stale
        assert cached_read(stack, user)["autowebinar_progress_percent"] == "50"
    finally:
        stack.remove_object_cache()
        stack.flush_memcached()
