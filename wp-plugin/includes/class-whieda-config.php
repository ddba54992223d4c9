<?php
/**
 * Settings: wp-config.php constants win over the settings screen.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads the plugin's settings. Constants: WHIEDA_SIDECAR_URL, WHIEDA_SECRET,
 * WHIEDA_TIMEOUT_MS, WHIEDA_CONNECT_TIMEOUT_MS, WHIEDA_PUBLIC_API_BASE, WHIEDA_CONTRACTS_DIR.
 */
class Whieda_Config {

	const OPTION = 'whieda_settings';

	/** Defaults of the settings screen's fields. */
	const DEFAULTS = array(
		'sidecar_url'        => '',
		'secret'             => '',
		'timeout_ms'         => 500,
		'connect_timeout_ms' => 200,
		'public_api_base'    => '',
		'uninstall_viewing'  => 'keep',
	);

	/** The wp-config.php constant of each field. */
	const CONSTANTS = array(
		'sidecar_url'        => 'WHIEDA_SIDECAR_URL',
		'secret'             => 'WHIEDA_SECRET',
		'timeout_ms'         => 'WHIEDA_TIMEOUT_MS',
		'connect_timeout_ms' => 'WHIEDA_CONNECT_TIMEOUT_MS',
		'public_api_base'    => 'WHIEDA_PUBLIC_API_BASE',
		'uninstall_viewing'  => 'WHIEDA_UNINSTALL_VIEWING',
	);

	/**
	 * A setting's value: its constant if defined, else the saved option, else the default.
	 *
	 * @param string $key One of DEFAULTS' keys.
	 * @return mixed
	 */
	public function get( $key ) {
		if ( $this->is_locked( $key ) ) {
			return constant( self::CONSTANTS[ $key ] );
		}
		$saved = get_option( self::OPTION, array() );
		return is_array( $saved ) && isset( $saved[ $key ] ) && '' !== $saved[ $key ] ? $saved[ $key ] : self::DEFAULTS[ $key ];
	}

	/**
	 * Whether wp-config.php sets this field (the screen then shows it read-only).
	 *
	 * @param string $key Field.
	 * @return bool
	 */
	public function is_locked( $key ) {
		return isset( self::CONSTANTS[ $key ] ) && defined( self::CONSTANTS[ $key ] );
	}

	public function sidecar_url() {
		return untrailingslashit( (string) $this->get( 'sidecar_url' ) );
	}

	/** Whether uninstalling removes the viewers' autowebinar_* user meta ('remove'); by default it stays ('keep'). */
	public function uninstall_removes_viewing() {
		return 'remove' === $this->get( 'uninstall_viewing' );
	}

	public function secret() {
		return (string) $this->get( 'secret' );
	}

	/** Total time a call to the sidecar may take, in seconds. */
	public function timeout() {
		return max( 50, min( 10000, (int) $this->get( 'timeout_ms' ) ) ) / 1000;
	}

	/** Time to open the connection to the sidecar, in milliseconds. */
	public function connect_timeout_ms() {
		return max( 10, min( 5000, (int) $this->get( 'connect_timeout_ms' ) ) );
	}

	/**
	 * Where browsers reach the sidecar's fast paths on the site's own domain (e.g. '/whieda-api',
	 * proxied by the web server to the sidecar), or '' when the sidecar is not proxied: pages
	 * then fall back to the plugin's WordPress REST routes.
	 *
	 * @return string
	 */
	public function public_api_base() {
		return untrailingslashit( (string) $this->get( 'public_api_base' ) );
	}

	public function is_configured() {
		return '' !== $this->sidecar_url() && '' !== $this->secret();
	}

	/**
	 * The hook contract: a copy shipped inside the plugin, or the repository's contracts/ beside it.
	 *
	 * @return string
	 */
	public function contracts_dir() {
		if ( defined( 'WHIEDA_CONTRACTS_DIR' ) ) {
			return WHIEDA_CONTRACTS_DIR;
		}
		$shipped = WHIEDA_BRIDGE_DIR . '/contracts';
		return is_dir( $shipped ) ? $shipped : dirname( WHIEDA_BRIDGE_DIR ) . '/contracts';
	}
}
