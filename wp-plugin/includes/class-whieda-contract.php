<?php
/**
 * The contract (contracts/hooks/*.json, contracts/room-state.json), as the plugin needs it.
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

	/** @var string[] The properties of a room's public state (contracts/room-state.json), in order. */
	private $room_state = array();

	/** @var string The contracts/ folder read. */
	private $dir;

	/** @var string[] Files of the folder that could not be read or are not a hook's contract. */
	private $broken = array();

	/**
	 * @param string $dir The contracts/ folder.
	 */
	public function __construct( $dir ) {
		$this->dir = (string) $dir;
		foreach ( (array) glob( $dir . '/hooks/*.json' ) as $file ) {
			$text = is_readable( $file ) ? file_get_contents( $file ) : false; // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents -- a local file.
			$doc  = false === $text ? null : json_decode( $text, true );
			if ( ! is_array( $doc ) || ! isset( $doc['title'], $doc['x-direction'], $doc['x-args'] ) ) {
				$this->broken[] = basename( $file );
				continue;
			}
			$this->hooks[ $doc['title'] ] = array(
				'direction' => $doc['x-direction'],
				'args'      => $doc['x-args'],
			);
			if ( 'out' !== $doc['x-direction'] ) {
				$this->inbound[ $doc['title'] ] = $doc['x-args'];
			}
		}
		$file = $dir . '/room-state.json';
		$text = is_readable( $file ) ? file_get_contents( $file ) : false; // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents -- a local file.
		$doc  = false === $text ? null : json_decode( $text, true );
		if ( is_array( $doc ) && isset( $doc['properties'] ) && is_array( $doc['properties'] ) ) {
			$this->room_state = array_keys( $doc['properties'] );
		} elseif ( array() !== $this->hooks ) {
			$this->broken[] = basename( $file );
		}
	}

	/**
	 * What is wrong with the contract, for the admin (the plugin forwards and fires nothing without it).
	 *
	 * @return string '' when every hook file was read.
	 */
	public function problem() {
		if ( array() !== $this->broken ) {
			/* translators: 1: file names, 2: folder. */
			return sprintf( __( 'файлы контракта не читаются или повреждены: %1$s (в %2$s)', 'whieda-bridge' ), implode( ', ', $this->broken ), $this->dir );
		}
		if ( array() === $this->hooks ) {
			/* translators: %s: folder. */
			return sprintf( __( 'нет папки контракта хуков %s (или в ней нет файлов hooks/*.json)', 'whieda-bridge' ), $this->dir );
		}
		return '';
	}

	/**
	 * The properties a room's public state answers, in order (contracts/room-state.json, the one
	 * definition of that shape, which the sidecar's RoomState.public() answers too).
	 *
	 * @return string[]
	 */
	public function room_state_fields() {
		return $this->room_state;
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
