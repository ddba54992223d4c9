<?php
/**
 * client-webinar-tracker (seed 004): the client facts, fired with do_action with the contract's payloads.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Builds each client_webinar_* payload as contracts/hooks/ defines it and fires it. No detection
 * and no storage here (seed 004): the public functions below are for manual emission by themes and
 * plugins; the room page's reports (Whieda_Room_Route) add the once-per-session guard. The bridge
 * forwards each fact to the sidecar like any other do_action.
 */
class Whieda_Tracker {

	/**
	 * Fires one fact; the payload is built here and handed over untouched.
	 *
	 * @param string $hook     client_webinar_* hook.
	 * @param int    $lead_id  The lead_entry.
	 * @param int    $webinar  The webinar_event.
	 * @param array  $fields   The hook's own fields.
	 * @param array  $extra    Further fields a caller adds (the contract allows them).
	 * @return array|WP_Error The payload fired.
	 */
	public static function fire( $hook, $lead_id, $webinar, $fields, $extra = array() ) {
		$lead_id = absint( $lead_id );
		$webinar = absint( $webinar );
		if ( ! $lead_id || ! $webinar ) {
			return new WP_Error( 'whieda_bad_fact', __( 'Нужны положительные lead_id и webinar_id.', 'whieda-bridge' ) );
		}
		$payload = array_merge(
			(array) $extra,
			array(
				'lead_id'    => $lead_id,
				'webinar_id' => $webinar,
			),
			$fields
		);
		do_action( $hook, $payload );
		return $payload;
	}

	/**
	 * Fires a fact of one participation session: webinar_type, session_id and its moment (now by default).
	 *
	 * @param string $hook       client_webinar_* hook.
	 * @param int    $lead_id    The lead_entry.
	 * @param int    $webinar    The webinar_event.
	 * @param string $session_id The participation session.
	 * @param string $moment     The payload's time field (left_at, completed_at, submitted_at).
	 * @param array  $fields     The hook's other fields.
	 * @param array  $args       The caller's options: webinar_type, the moment, extra fields.
	 * @return array|WP_Error
	 */
	public static function session_fact( $hook, $lead_id, $webinar, $session_id, $moment, $fields, $args ) {
		$args   = (array) $args;
		$fields = array(
			'webinar_type' => self::type( $args['webinar_type'] ?? 'live' ),
			'session_id'   => (string) $session_id,
			$moment        => $args[ $moment ] ?? time(),
		) + $fields;
		return self::fire( $hook, $lead_id, $webinar, $fields, array_diff_key( $args, $fields ) );
	}

	/** A new participation session id. */
	public static function session_id() {
		return wp_generate_uuid4();
	}

	/**
	 * @param mixed $type 'live' or 'auto'.
	 * @return string
	 */
	public static function type( $type ) {
		return 'auto' === $type ? 'auto' : 'live';
	}
}

/**
 * Fires client_webinar_registered: the lead registered for the webinar.
 *
 * @param int   $lead_id    The lead_entry.
 * @param int   $webinar_id The webinar_event.
 * @param array $args       Optional: webinar_type ('live' | 'auto'), slot_id, source, registered_at, extra fields.
 * @return array|WP_Error The payload fired.
 */
function whieda_client_webinar_registered( $lead_id, $webinar_id, $args = array() ) {
	$args   = (array) $args;
	$fields = array(
		'webinar_type'  => Whieda_Tracker::type( $args['webinar_type'] ?? 'live' ),
		'registered_at' => $args['registered_at'] ?? time(),
		'source'        => substr( (string) ( $args['source'] ?? 'site' ), 0, 200 ),
	);
	if ( isset( $args['slot_id'] ) ) {
		$fields['slot_id'] = $args['slot_id'];
	}
	return Whieda_Tracker::fire( 'client_webinar_registered', $lead_id, $webinar_id, $fields, array_diff_key( $args, $fields ) );
}

/**
 * Fires client_webinar_entered: the lead entered the webinar (once per participation session is the caller's to keep).
 *
 * @param int   $lead_id    The lead_entry.
 * @param int   $webinar_id The webinar_event.
 * @param array $args       Optional: timestamp, session_id, webinar_type, extra fields.
 * @return array|WP_Error
 */
function whieda_client_webinar_entered( $lead_id, $webinar_id, $args = array() ) {
	$args = (array) $args;
	return Whieda_Tracker::fire( 'client_webinar_entered', $lead_id, $webinar_id, array( 'timestamp' => $args['timestamp'] ?? time() ), array_diff_key( $args, array( 'timestamp' => 1 ) ) );
}

/**
 * Fires client_webinar_left: the lead left the webinar.
 *
 * @param int    $lead_id    The lead_entry.
 * @param int    $webinar_id The webinar_event.
 * @param string $session_id The participation session.
 * @param string $reason     Why (e.g. 'tab_closed', 'leave').
 * @param array  $args       Optional: left_at, webinar_type, extra fields.
 * @return array|WP_Error
 */
function whieda_client_webinar_left( $lead_id, $webinar_id, $session_id, $reason = 'leave', $args = array() ) {
	return Whieda_Tracker::session_fact( 'client_webinar_left', $lead_id, $webinar_id, $session_id, 'left_at', array( 'leave_reason' => substr( (string) $reason, 0, 200 ) ), $args );
}

/**
 * Fires client_webinar_completed: the lead completed participation.
 *
 * @param int    $lead_id    The lead_entry.
 * @param int    $webinar_id The webinar_event.
 * @param string $session_id The participation session.
 * @param array  $args       Optional: completed_at, webinar_type, extra fields.
 * @return array|WP_Error
 */
function whieda_client_webinar_completed( $lead_id, $webinar_id, $session_id, $args = array() ) {
	return Whieda_Tracker::session_fact( 'client_webinar_completed', $lead_id, $webinar_id, $session_id, 'completed_at', array(), $args );
}

/**
 * Fires client_webinar_form_submitted: the post-webinar form was sent (may repeat).
 *
 * @param int    $lead_id      The lead_entry.
 * @param int    $webinar_id   The webinar_event.
 * @param string $session_id   The participation session.
 * @param string $form_id      Which form.
 * @param array  $form_payload What was submitted.
 * @param array  $args         Optional: submitted_at, webinar_type, extra fields.
 * @return array|WP_Error
 */
function whieda_client_webinar_form_submitted( $lead_id, $webinar_id, $session_id, $form_id, $form_payload, $args = array() ) {
	$form = array(
		'form_id'      => (string) $form_id,
		'form_payload' => array() === (array) $form_payload ? new stdClass() : (array) $form_payload,
	);
	return Whieda_Tracker::session_fact( 'client_webinar_form_submitted', $lead_id, $webinar_id, $session_id, 'submitted_at', $form, $args );
}
