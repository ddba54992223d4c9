<?php
/**
 * Plugin Name: Whieda Memcached Object Cache (drop-in)
 * Description: A persistent object cache in memcached, with PHP's Memcached extension. Installed and removed from Settings → Whieda; the Whieda sidecar deletes the user_meta entries it makes stale.
 * Whieda-Object-Cache: 1
 *
 * Configuration, in wp-config.php:
 * - WHIEDA_MEMCACHED: memcached servers, "host:port,host:port" (default 127.0.0.1:11211), the same list
 *   as the sidecar's WHIEDA_MEMCACHED;
 * - WP_CACHE_KEY_SALT: a prefix for every key (the sidecar's WHIEDA_WP_CACHE_SALT).
 *
 * Keys are "{salt}{blog_id}:{group}:{key}"; network-wide groups (users, user_meta, …) use the main
 * site's id. That is the sidecar's default WHIEDA_WP_CACHE_KEY_FORMAT. Without the extension, or
 * without servers, it works as WordPress's own per-request cache.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * WordPress's object cache API over memcached, with a per-request copy in memory.
 */
class WP_Object_Cache {

	/** Memcached takes a TTL above 30 days as a unix time. */
	const MAX_RELATIVE_TTL = 2592000;

	/** Longest memcached key, in bytes. */
	const MAX_KEY_LENGTH = 250;

	/** @var Memcached|null */
	private $mc = null;

	/** @var array Values read or written during this request, by full key. */
	private $cache = array();

	/** @var array<string, true> */
	private $global_groups = array();

	/** @var array<string, true> Groups kept in this request only. */
	private $non_persistent_groups = array();

	/** @var string */
	private $salt = '';

	/** @var int */
	private $blog_id = 1;

	/** @var int The blog id of network-wide groups' keys. */
	private $global_blog_id = 1;

	/** @var int */
	public $cache_hits = 0;

	/** @var int */
	public $cache_misses = 0;

	public function __construct() {
		$this->salt           = defined( 'WP_CACHE_KEY_SALT' ) ? (string) WP_CACHE_KEY_SALT : '';
		$this->global_blog_id = defined( 'BLOG_ID_CURRENT_SITE' ) ? (int) BLOG_ID_CURRENT_SITE : 1;
		$this->blog_id        = function_exists( 'get_current_blog_id' ) ? (int) get_current_blog_id() : 1;
		if ( ! class_exists( 'Memcached' ) ) {
			return;
		}
		$servers = array();
		foreach ( explode( ',', defined( 'WHIEDA_MEMCACHED' ) ? (string) WHIEDA_MEMCACHED : '127.0.0.1:11211' ) as $server ) {
			$parts = explode( ':', trim( $server ) );
			if ( 2 === count( $parts ) && '' !== $parts[0] && ctype_digit( $parts[1] ) ) {
				$servers[] = array( $parts[0], (int) $parts[1] );
			}
		}
		if ( array() === $servers ) {
			return;
		}
		// A persistent id keeps the connections open across the requests of one PHP worker.
		$this->mc = new Memcached( 'whieda-object-cache' );
		if ( array() === $this->mc->getServerList() ) {
			$this->mc->setOption( Memcached::OPT_CONNECT_TIMEOUT, 200 );
			$this->mc->setOption( Memcached::OPT_RETRY_TIMEOUT, 1 );
			$this->mc->setOption( Memcached::OPT_LIBKETAMA_COMPATIBLE, true );
			$this->mc->addServers( $servers );
		}
	}

	// ---- keys --------------------------------------------------------------------------------------

	/**
	 * The memcached key of ($key, $group) on the current blog.
	 *
	 * @param int|string $key   Cache key.
	 * @param string     $group Cache group.
	 * @return string
	 */
	public function key( $key, $group ) {
		$group = '' === (string) $group ? 'default' : (string) $group;
		$blog  = isset( $this->global_groups[ $group ] ) ? $this->global_blog_id : $this->blog_id;
		$full  = $this->salt . $blog . ':' . $group . ':' . $key;
		if ( strlen( $full ) > self::MAX_KEY_LENGTH || preg_match( '/[\s\x00-\x1f\x7f]/', $full ) ) {
			$full = $this->salt . $blog . ':' . $group . ':md5:' . md5( (string) $key );
		}
		return $full;
	}

	private function persistent( $group ) {
		return null !== $this->mc && ! isset( $this->non_persistent_groups[ '' === (string) $group ? 'default' : (string) $group ] );
	}

	private static function ttl( $expire ) {
		$expire = max( 0, (int) $expire );
		return $expire > self::MAX_RELATIVE_TTL ? time() + $expire : $expire;
	}

	private static function copy( $value ) {
		return is_object( $value ) ? clone $value : $value;
	}

	// ---- the API -----------------------------------------------------------------------------------

	public function add( $key, $data, $group = 'default', $expire = 0 ) {
		if ( function_exists( 'wp_suspend_cache_addition' ) && wp_suspend_cache_addition() ) {
			return false;
		}
		$full = $this->key( $key, $group );
		if ( array_key_exists( $full, $this->cache ) ) {
			return false;
		}
		if ( $this->persistent( $group ) ) {
			$this->mc->add( $full, $data, self::ttl( $expire ) );
			if ( Memcached::RES_NOTSTORED === $this->mc->getResultCode() ) {
				return false; // Another request stored it first.
			}
		}
		$this->cache[ $full ] = self::copy( $data );
		return true;
	}

	public function add_multiple( array $data, $group = '', $expire = 0 ) {
		$done = array();
		foreach ( $data as $key => $value ) {
			$done[ $key ] = $this->add( $key, $value, $group, $expire );
		}
		return $done;
	}

	public function replace( $key, $data, $group = 'default', $expire = 0 ) {
		$full = $this->key( $key, $group );
		if ( $this->persistent( $group ) ) {
			if ( ! $this->mc->replace( $full, $data, self::ttl( $expire ) ) ) {
				return false;
			}
		} elseif ( ! array_key_exists( $full, $this->cache ) ) {
			return false;
		}
		$this->cache[ $full ] = self::copy( $data );
		return true;
	}

	public function set( $key, $data, $group = 'default', $expire = 0 ) {
		$full                 = $this->key( $key, $group );
		$this->cache[ $full ] = self::copy( $data );
		if ( $this->persistent( $group ) ) {
			$this->mc->set( $full, $data, self::ttl( $expire ) );
		}
		return true;
	}

	public function set_multiple( array $data, $group = '', $expire = 0 ) {
		$done = array();
		foreach ( $data as $key => $value ) {
			$done[ $key ] = $this->set( $key, $value, $group, $expire );
		}
		return $done;
	}

	public function get( $key, $group = 'default', $force = false, &$found = null ) {
		$full = $this->key( $key, $group );
		if ( ! $force && array_key_exists( $full, $this->cache ) ) {
			$found = true;
			++$this->cache_hits;
			return self::copy( $this->cache[ $full ] );
		}
		if ( $this->persistent( $group ) ) {
			$value = $this->mc->get( $full );
			if ( Memcached::RES_SUCCESS === $this->mc->getResultCode() ) {
				$found                = true;
				$this->cache[ $full ] = $value;
				++$this->cache_hits;
				return self::copy( $value );
			}
		}
		$found = false;
		++$this->cache_misses;
		return false;
	}

	public function get_multiple( $keys, $group = 'default', $force = false ) {
		$values = array();
		foreach ( $keys as $key ) {
			$values[ $key ] = $this->get( $key, $group, $force );
		}
		return $values;
	}

	public function delete( $key, $group = 'default' ) {
		$full    = $this->key( $key, $group );
		$existed = array_key_exists( $full, $this->cache );
		unset( $this->cache[ $full ] );
		if ( $this->persistent( $group ) ) {
			return $this->mc->delete( $full ) || $existed;
		}
		return $existed;
	}

	public function delete_multiple( array $keys, $group = '' ) {
		$done = array();
		foreach ( $keys as $key ) {
			$done[ $key ] = $this->delete( $key, $group );
		}
		return $done;
	}

	public function incr( $key, $offset = 1, $group = 'default' ) {
		return $this->step( $key, (int) $offset, $group );
	}

	public function decr( $key, $offset = 1, $group = 'default' ) {
		return $this->step( $key, -(int) $offset, $group );
	}

	private function step( $key, $offset, $group ) {
		$full = $this->key( $key, $group );
		if ( $this->persistent( $group ) ) {
			$value = $offset >= 0 ? $this->mc->increment( $full, $offset ) : $this->mc->decrement( $full, -$offset );
			if ( false === $value ) {
				unset( $this->cache[ $full ] );
				return false;
			}
		} else {
			if ( ! array_key_exists( $full, $this->cache ) ) {
				return false;
			}
			$value = max( 0, (int) $this->cache[ $full ] + $offset );
		}
		$this->cache[ $full ] = $value;
		return $value;
	}

	/** Empties this request's copy and every memcached server listed (shared servers included). */
	public function flush() {
		$this->cache = array();
		return null === $this->mc || $this->mc->flush();
	}

	public function flush_runtime() {
		$this->cache = array();
		return true;
	}

	public function add_global_groups( $groups ) {
		foreach ( (array) $groups as $group ) {
			$this->global_groups[ $group ] = true;
		}
	}

	public function add_non_persistent_groups( $groups ) {
		foreach ( (array) $groups as $group ) {
			$this->non_persistent_groups[ $group ] = true;
		}
	}

	public function switch_to_blog( $blog_id ) {
		$this->blog_id = (int) $blog_id;
	}

	public function close() {
		return true; // Persistent connections stay open for the worker's next request.
	}

	public function stats() {
		printf( '<p>Whieda memcached object cache: %d hits, %d misses, %s.</p>', (int) $this->cache_hits, (int) $this->cache_misses, null === $this->mc ? 'memory only' : 'memcached' );
	}
}

function wp_cache_init() {
	$GLOBALS['wp_object_cache'] = new WP_Object_Cache();
}

function wp_cache_add( $key, $data, $group = '', $expire = 0 ) {
	return $GLOBALS['wp_object_cache']->add( $key, $data, $group, $expire );
}

function wp_cache_add_multiple( array $data, $group = '', $expire = 0 ) {
	return $GLOBALS['wp_object_cache']->add_multiple( $data, $group, $expire );
}

function wp_cache_replace( $key, $data, $group = '', $expire = 0 ) {
	return $GLOBALS['wp_object_cache']->replace( $key, $data, $group, $expire );
}

function wp_cache_set( $key, $data, $group = '', $expire = 0 ) {
	return $GLOBALS['wp_object_cache']->set( $key, $data, $group, $expire );
}

function wp_cache_set_multiple( array $data, $group = '', $expire = 0 ) {
	return $GLOBALS['wp_object_cache']->set_multiple( $data, $group, $expire );
}

function wp_cache_get( $key, $group = '', $force = false, &$found = null ) {
	return $GLOBALS['wp_object_cache']->get( $key, $group, $force, $found );
}

function wp_cache_get_multiple( $keys, $group = '', $force = false ) {
	return $GLOBALS['wp_object_cache']->get_multiple( $keys, $group, $force );
}

function wp_cache_delete( $key, $group = '' ) {
	return $GLOBALS['wp_object_cache']->delete( $key, $group );
}

function wp_cache_delete_multiple( array $keys, $group = '' ) {
	return $GLOBALS['wp_object_cache']->delete_multiple( $keys, $group );
}

function wp_cache_incr( $key, $offset = 1, $group = '' ) {
	return $GLOBALS['wp_object_cache']->incr( $key, $offset, $group );
}

function wp_cache_decr( $key, $offset = 1, $group = '' ) {
	return $GLOBALS['wp_object_cache']->decr( $key, $offset, $group );
}

function wp_cache_flush() {
	return $GLOBALS['wp_object_cache']->flush();
}

function wp_cache_flush_runtime() {
	return $GLOBALS['wp_object_cache']->flush_runtime();
}

function wp_cache_flush_group( $group ) {
	return false; // Memcached cannot drop one group; wp_cache_supports( 'flush_group' ) says so.
}

function wp_cache_supports( $feature ) {
	return in_array( $feature, array( 'add_multiple', 'set_multiple', 'get_multiple', 'delete_multiple', 'flush_runtime' ), true );
}

function wp_cache_close() {
	return $GLOBALS['wp_object_cache']->close();
}

function wp_cache_add_global_groups( $groups ) {
	$GLOBALS['wp_object_cache']->add_global_groups( $groups );
}

function wp_cache_add_non_persistent_groups( $groups ) {
	$GLOBALS['wp_object_cache']->add_non_persistent_groups( $groups );
}

function wp_cache_switch_to_blog( $blog_id ) {
	$GLOBALS['wp_object_cache']->switch_to_blog( $blog_id );
}

function wp_cache_reset() {
	_deprecated_function( __FUNCTION__, '3.5.0', 'wp_cache_switch_to_blog()' );
	return false;
}
