<?php
/**
 * The sidecar's autowebinar_* user meta, read from the database whatever object cache the site runs.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The sidecar writes a user's autowebinar_* rows in {prefix}usermeta straight to the database. A
 * persistent object cache keeps all of a user's meta in one entry under keys only its drop-in knows
 * (a salt, a flush number rotated by wp_cache_flush(), a prefix…), so the sidecar's own delete of
 * that entry is a fast path that works only with drop-ins whose key it can compute. WordPress owns
 * coherence here instead: with a persistent cache, get_user_meta() of an autowebinar_* key (and of
 * all keys) reads those rows from the database, once per user and request, and takes every other
 * key from the cache as before. Without a persistent cache nothing changes: WordPress already reads
 * the database once per request.
 */
class Whieda_Autowebinar_Meta {

	const PREFIX = 'autowebinar_';

	/** @var array<int, array<string, string[]>> User id => key => raw values (oldest row first), this request. */
	private $read = array();

	/**
	 * The get_user_metadata filter.
	 *
	 * @param mixed  $value    Null, or what an earlier filter answered.
	 * @param int    $user_id  The user.
	 * @param string $meta_key A key, or '' for all of them.
	 * @param bool   $single   One value or a list.
	 * @return mixed Null to let WordPress read its cache.
	 */
	public function filter( $value, $user_id, $meta_key, $single ) {
		$user_id = (int) $user_id;
		if ( null !== $value || $user_id <= 0 ) {
			return $value;
		}
		if ( '' === (string) $meta_key ) {
			// All keys: WordPress ignores $single here; a filter's list would be cut to its first item.
			return $single ? null : $this->all( $user_id );
		}
		if ( 0 !== strpos( (string) $meta_key, self::PREFIX ) ) {
			return null;
		}
		$rows = $this->rows( $user_id );
		if ( ! isset( $rows[ $meta_key ] ) ) {
			return null; // No row: what WordPress caches says the same (WordPress deletes through its cache).
		}
		return array_map( 'maybe_unserialize', $rows[ $meta_key ] );
	}

	/**
	 * @param mixed $meta_ids Unused.
	 * @param int   $user_id  The user whose meta WordPress wrote.
	 */
	public function forget( $meta_ids, $user_id ) {
		unset( $this->read[ (int) $user_id ] );
	}

	/** All of the user's meta as WordPress caches it (raw strings), with the autowebinar_* keys from the database. */
	private function all( $user_id ) {
		$cached = wp_cache_get( $user_id, 'user_meta' );
		if ( ! is_array( $cached ) ) {
			$fresh  = update_meta_cache( 'user', array( $user_id ) );
			$cached = isset( $fresh[ $user_id ] ) ? $fresh[ $user_id ] : array();
		}
		foreach ( array_keys( $cached ) as $key ) {
			if ( 0 === strpos( (string) $key, self::PREFIX ) ) {
				unset( $cached[ $key ] );
			}
		}
		return array_merge( $cached, $this->rows( $user_id ) );
	}

	/** @return array<string, string[]> The user's autowebinar_* rows, read once a request. */
	private function rows( $user_id ) {
		if ( ! isset( $this->read[ $user_id ] ) ) {
			global $wpdb;
			$found = $wpdb->get_results(
				$wpdb->prepare(
					"SELECT meta_key, meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key LIKE %s ORDER BY umeta_id",
					$user_id,
					$wpdb->esc_like( self::PREFIX ) . '%'
				),
				ARRAY_A
			);
			$rows = array();
			foreach ( (array) $found as $row ) {
				$rows[ $row['meta_key'] ][] = $row['meta_value'];
			}
			$this->read[ $user_id ] = $rows;
		}
		return $this->read[ $user_id ];
	}
}
