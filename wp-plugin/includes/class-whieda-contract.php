<?php
/**
 * The hook contract (contracts/hooks/*.json), as the plugin needs it.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Which hooks exist, their direction seen from the sidecar (in / out / both) and
 * their positional argument names. The sidecar validates the arguments; the plugin
 * only needs to know what to forward and what it may fire.
 */
class Whieda_Contract {

	/** @var array<string, array{direction: string, args: string[]}> */
	private $hooks = array();

	/** @var array<string, string[]> Inbound hooks (in, both) => argument names. */
	private $inbound = array();

	/**
	 * @param string $dir The contracts/ folder.
	 */
	public function __construct( $dir ) {
		foreach ( (array) glob( $dir . '/hooks/*.json' ) as $file ) {
			$doc = json_decode( (string) file_get_contents( $file ), true ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents -- a local file.
			if ( is_array( $doc ) && isset( $doc['title'], $doc['x-direction'], $doc['x-args'] ) ) {
				$this->hooks[ $doc['title'] ] = array(
					'direction' => $doc['x-direction'],
					'args'      => $doc['x-args'],
				);
				if ( 'out' !== $doc['x-direction'] ) {
					$this->inbound[ $doc['title'] ] = $doc['x-args'];
				}
			}
		}
	}

	/**
	 * All hooks, by name.
	 *
	 * @return array
	 */
	public function all() {
		return $this->hooks;
	}

	/**
	 * Hooks the sidecar listens to (in, both): the plugin forwards them.
	 *
	 * @return array<string, string[]> Hook name => argument names.
	 */
	public function inbound() {
		return $this->inbound;
	}

	/**
	 * The argument names of a hook the sidecar may emit (out, both), or null.
	 *
	 * @param string $hook Hook name.
	 * @return string[]|null
	 */
	public function outbound_args( $hook ) {
		if ( ! isset( $this->hooks[ $hook ] ) || 'in' === $this->hooks[ $hook ]['direction'] ) {
			return null;
		}
		return $this->hooks[ $hook ]['args'];
	}
}
