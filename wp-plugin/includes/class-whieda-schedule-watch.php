<?php
/**
 * Tells the sidecar when a webinar's start changes, so its reminders follow.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Watches webinar_event posts: their start (the `webinar_starts_at` meta, Whieda_Webinar_View::META),
 * a trash, a restore, a deletion. (A site that keeps the start elsewhere, through the
 * whieda_webinar_details filter, fires the hook itself when it changes.) At the end of the request it fires, once per webinar that
 * changed, `do_action( 'webinar_schedule_changed', $webinar_id, $starts_at )` — $starts_at in unix
 * seconds, or null when the webinar is gone or has no start — which the bridge forwards to the sidecar
 * like any inbound hook (contracts/hooks/webinar_schedule_changed.json). The sidecar ignores a call
 * that changes nothing.
 */
class Whieda_Schedule_Watch {

	/** @var array Webinar ids changed in this request. */
	private $changed = array();

	/** @var Whieda_Resolver */
	private $resolver;

	public function __construct( Whieda_Resolver $resolver ) {
		$this->resolver = $resolver;
	}

	/**
	 * @param int|array $meta_ids  Meta id(s).
	 * @param int       $object_id Post id.
	 * @param string    $meta_key  Meta key.
	 */
	public function meta_changed( $meta_ids, $object_id, $meta_key ) {
		if ( Whieda_Webinar_View::META['starts_at'] === $meta_key ) {
			$this->post_changed( $object_id );
		}
	}

	/**
	 * @param int $post_id Post id.
	 */
	public function post_changed( $post_id ) {
		if ( 'webinar_event' === get_post_type( $post_id ) ) {
			$this->changed[ (int) $post_id ] = true;
		}
	}

	public function fire() {
		$changed       = array_keys( $this->changed );
		$this->changed = array();
		foreach ( $changed as $webinar_id ) {
			$post    = get_post( $webinar_id );
			$webinar = $post && 'trash' !== $post->post_status ? $this->resolver->webinar( $webinar_id ) : array();
			do_action( 'webinar_schedule_changed', $webinar_id, isset( $webinar['starts_at'] ) ? $webinar['starts_at'] : null );
		}
	}
}
