<?php
/**
 * The optional memcached object-cache drop-in: install, remove, say what is there.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Copies dropins/object-cache.php to wp-content/ and removes it, as the well-known
 * object-cache plugins do. An object-cache.php that is not ours is never overwritten
 * nor removed. Installing flushes the memcached servers, so nothing cached before
 * (while WordPress wrote without the cache) can be served stale.
 */
class Whieda_Object_Cache {

	/** The header that marks our drop-in. */
	const MARKER = 'Whieda-Object-Cache';

	public function source() {
		return dirname( __DIR__ ) . '/dropins/object-cache.php'; // Also during uninstall, when the plugin is not loaded.
	}

	public function target() {
		return WP_CONTENT_DIR . '/object-cache.php';
	}

	/** Who may install or remove it: the whole network's cache in a multisite. */
	public static function capability() {
		return is_multisite() ? 'manage_network_options' : 'manage_options';
	}

	/**
	 * What is installed: 'none', 'ours' (current), 'outdated' (ours, an older copy) or 'foreign'.
	 *
	 * @return string
	 */
	public function state() {
		$target = $this->target();
		if ( ! file_exists( $target ) ) {
			return 'none';
		}
		$marker = get_file_data( $target, array( 'marker' => self::MARKER ) );
		if ( '' === $marker['marker'] ) {
			return 'foreign';
		}
		return md5_file( $target ) === md5_file( $this->source() ) ? 'ours' : 'outdated';
	}

	/** Whether PHP can talk to memcached at all. */
	public function has_extension() {
		return class_exists( 'Memcached' );
	}

	/** The servers the drop-in uses (WHIEDA_MEMCACHED in wp-config.php). */
	public function servers() {
		return defined( 'WHIEDA_MEMCACHED' ) ? (string) WHIEDA_MEMCACHED : '127.0.0.1:11211';
	}

	/**
	 * Installs (or updates) our drop-in.
	 *
	 * @return true|WP_Error
	 */
	public function enable() {
		if ( ! $this->has_extension() ) {
			return new WP_Error( 'no_extension', __( 'В PHP нет расширения Memcached (пакет php-memcached).', 'whieda-bridge' ) );
		}
		if ( 'foreign' === $this->state() ) {
			return new WP_Error( 'foreign', __( 'В wp-content уже есть object-cache.php другого плагина; он не тронут.', 'whieda-bridge' ) );
		}
		$filesystem = $this->filesystem();
		if ( is_wp_error( $filesystem ) ) {
			return $filesystem;
		}
		// Written beside it, then renamed: a request never loads a half-written drop-in.
		$partial = $this->target() . '.whieda-partial';
		if ( ! $filesystem->copy( $this->source(), $partial, true, FS_CHMOD_FILE ) || ! $filesystem->move( $partial, $this->target(), true ) ) {
			$filesystem->delete( $partial );
			return new WP_Error( 'unwritable', __( 'Не удалось записать wp-content/object-cache.php: нет прав на запись.', 'whieda-bridge' ) );
		}
		$this->flush_servers();
		return true;
	}

	/**
	 * Removes our drop-in; a foreign one stays.
	 *
	 * @return true|WP_Error
	 */
	public function disable() {
		$state = $this->state();
		if ( 'none' === $state ) {
			return true;
		}
		if ( 'foreign' === $state ) {
			return new WP_Error( 'foreign', __( 'object-cache.php в wp-content принадлежит другому плагину; он не тронут.', 'whieda-bridge' ) );
		}
		$filesystem = $this->filesystem();
		if ( is_wp_error( $filesystem ) ) {
			return $filesystem;
		}
		if ( ! $filesystem->delete( $this->target() ) ) {
			return new WP_Error( 'unwritable', __( 'Не удалось удалить wp-content/object-cache.php: нет прав на запись.', 'whieda-bridge' ) );
		}
		return true;
	}

	/**
	 * Whether each listed server answers (for the settings screen).
	 *
	 * @return bool|null Null without the extension.
	 */
	public function reachable() {
		if ( ! $this->has_extension() ) {
			return null;
		}
		$client = $this->client();
		$stats  = $client ? $client->getStats() : false;
		if ( ! is_array( $stats ) || array() === $stats ) {
			return false;
		}
		foreach ( $stats as $server ) {
			if ( empty( $server['pid'] ) || (int) $server['pid'] <= 0 ) {
				return false;
			}
		}
		return true;
	}

	/** Empties the listed servers: entries cached before WordPress wrote without the cache are gone. */
	private function flush_servers() {
		$client = $this->client();
		if ( $client ) {
			$client->flush();
		}
	}

	/** @return Memcached|null */
	private function client() {
		$servers = array();
		foreach ( explode( ',', $this->servers() ) as $server ) {
			$parts = explode( ':', trim( $server ) );
			if ( 2 === count( $parts ) && ctype_digit( $parts[1] ) ) {
				$servers[] = array( $parts[0], (int) $parts[1] );
			}
		}
		if ( array() === $servers ) {
			return null;
		}
		$client = new Memcached();
		$client->setOption( Memcached::OPT_CONNECT_TIMEOUT, 200 );
		$client->addServers( $servers );
		return $client;
	}

	/** @return WP_Filesystem_Base|WP_Error */
	private function filesystem() {
		require_once ABSPATH . 'wp-admin/includes/file.php';
		if ( 'direct' !== get_filesystem_method( array(), WP_CONTENT_DIR ) || ! WP_Filesystem( false, WP_CONTENT_DIR ) ) {
			return new WP_Error( 'unwritable', __( 'WordPress не может писать в wp-content. Скопируйте dropins/object-cache.php плагина в wp-content вручную.', 'whieda-bridge' ) );
		}
		global $wp_filesystem;
		return $wp_filesystem;
	}
}
