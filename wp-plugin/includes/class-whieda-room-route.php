<?php
/**
 * The live room's REST routes: room state (read-only) and the room page's reports.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * - GET  /whieda/v1/rooms/{id}/state: the room state, the same shape and ETag as the sidecar's fast
 *   path (read from the bridge's {prefix}whieda_rooms), for sites where the fast path is not proxied.
 *   Read-only: room state changes only through Core's commands (seed 002). Public and cacheable: only
 *   status, CTA visibility, label and link, version — never the embeds.
 * - GET  /whieda/v1/rooms/{id}/embeds: the player, chat and presentation for a room page that was made
 *   before they were set (its cookie and REST nonce, the same admission as the room: a user with a lead).
 * - POST /whieda/v1/rooms/{id}/enter | leave | complete: the room page reports its lead's entry, exit
 *   (navigator.sendBeacon on tab close) and completion; a logged-in user with a lead, REST nonce
 *   (header or _wpnonce). Each fires its client_webinar_* fact once per participation session.
 * - POST /whieda/v1/rooms/{id}/presence: the heartbeat, relayed to the sidecar when the browser
 *   cannot reach its fast path.
 */
class Whieda_Room_Route {

	const NS = 'whieda/v1';

	/**
	 * Seconds a room token lives. Short, so a copied token is soon worthless: the page gets a fresh one
	 * from enter (cookie and nonce) every REFRESH_SEC, and after a 401.
	 */
	const TOKEN_TTL   = 10 * MINUTE_IN_SECONDS;
	const REFRESH_SEC = 4 * MINUTE_IN_SECONDS;

	/** Stream types whose chat lives on the external platform (seed 003). */
	const EXTERNAL_CHAT = array( 'zoom', 'telegram' );

	/** @var Whieda_Config */
	private $config;

	/** @var Whieda_Sidecar_Client */
	private $client;

	/** @var Whieda_Room_Sessions */
	private $sessions;

	public function __construct( Whieda_Config $config, Whieda_Sidecar_Client $client, Whieda_Room_Sessions $sessions ) {
		$this->config   = $config;
		$this->client   = $client;
		$this->sessions = $sessions;
	}

	public function register_routes() {
		$room = '/rooms/(?P<id>[1-9][0-9]{0,19})';
		register_rest_route(
			self::NS,
			$room . '/state',
			array(
				'methods'             => 'GET',
				'callback'            => array( $this, 'state' ),
				'permission_callback' => '__return_true',
			)
		);
		register_rest_route(
			self::NS,
			$room . '/embeds',
			array(
				'methods'             => 'GET',
				'callback'            => array( $this, 'embeds' ),
				'permission_callback' => array( $this, 'may_report' ),
			)
		);
		foreach ( array( 'enter', 'leave', 'complete' ) as $report ) {
			register_rest_route(
				self::NS,
				$room . '/' . $report,
				array(
					'methods'             => 'POST',
					'callback'            => array( $this, $report ),
					'permission_callback' => array( $this, 'may_report' ),
				)
			);
		}
		register_rest_route(
			self::NS,
			$room . '/presence',
			array(
				'methods'             => 'POST',
				'callback'            => array( $this, 'presence' ),
				'permission_callback' => '__return_true', // The sidecar checks the room token.
			)
		);
	}

	/**
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public function state( WP_REST_Request $request ) {
		$state   = self::read_state( (int) $request['id'] );
		$etag    = sprintf( '"r%d-v%d"', $state['webinar_id'], $state['version'] );
		$headers = array(
			'ETag'                   => $etag,
			'Cache-Control'          => 'public, max-age=1',
			'X-Content-Type-Options' => 'nosniff',
		);
		if ( false !== strpos( (string) $request->get_header( 'if_none_match' ), $etag ) ) {
			return new WP_REST_Response( null, 304, $headers );
		}
		return new WP_REST_Response( $state, 200, $headers );
	}

	/**
	 * The embeds of a room, as its page prints them, for an admitted person's page (never cached).
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public function embeds( WP_REST_Request $request ) {
		$webinar = Whieda_Webinar_View::get( (int) $request['id'] );
		$html    = array();
		foreach ( array( 'player_embed', 'chat_embed', 'presentation' ) as $field ) {
			$html[ $field ] = $webinar ? Whieda_Webinar_View::embed( $webinar[ $field ] ) : '';
		}
		$response = new WP_REST_Response( $html, 200 );
		$response->header( 'Cache-Control', 'private, no-store' );
		return $response;
	}

	/**
	 * A room's public state as the REST route and the room pages show it, read from {prefix}whieda_rooms
	 * (a room no command reached yet is 'scheduled', version 0): the properties of contracts/room-state.json,
	 * in its order, as the sidecar answers them.
	 *
	 * @param int $webinar_id Webinar.
	 * @return array
	 */
	public static function read_state( $webinar_id ) {
		global $wpdb;
		$webinar_id = (int) $webinar_id;
		$suppress   = $wpdb->suppress_errors( true ); // Before the sidecar's first start the table is not there yet.
		$row        = $wpdb->get_row( $wpdb->prepare( 'SELECT status, cta_visible, details, version, updated_at FROM ' . $wpdb->prefix . 'whieda_rooms WHERE webinar_id = %d', $webinar_id ) ); // phpcs:ignore WordPress.DB
		$wpdb->suppress_errors( $suppress );
		$details = $row ? json_decode( (string) $row->details, true ) : array();
		$details = is_array( $details ) ? $details : array();
		$known   = array(
			'webinar_id'  => $webinar_id,
			'status'      => $row ? (string) $row->status : 'scheduled',
			'cta_visible' => $row && (bool) $row->cta_visible,
			'cta_label'   => (string) ( $details['cta_label'] ?? '' ),
			'cta_url'     => (string) ( $details['cta_url'] ?? '' ),
			'version'     => $row ? (int) $row->version : 0,
			'updated_at'  => $row ? gmdate( 'Y-m-d\TH:i:s\Z', strtotime( $row->updated_at . ' UTC' ) ) : null,
		);
		$fields = Whieda_Plugin::instance()->contract->room_state_fields();
		if ( array() === $fields ) {
			return $known; // The contract is missing: its screens say so, and the pages keep their room state.
		}
		$state = array();
		foreach ( $fields as $field ) {
			$state[ $field ] = $known[ $field ]; // A property the contract added and this code does not know warns.
		}
		return $state;
	}

	/**
	 * Reports need a logged-in user with the `read` capability and a lead (REST checks the nonce),
	 * about a webinar that exists.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public function may_report( WP_REST_Request $request ) {
		if ( ! is_user_logged_in() || ! current_user_can( 'read' ) ) {
			return new WP_Error( 'whieda_login', __( 'Войдите на сайт, чтобы участвовать в вебинаре.', 'whieda-bridge' ), array( 'status' => 401 ) );
		}
		if ( ! self::current_lead_id() ) {
			return new WP_Error( 'whieda_no_lead', __( 'Для этой учётной записи не найдена заявка участника.', 'whieda-bridge' ), array( 'status' => 403 ) );
		}
		if ( 'webinar_event' !== get_post_type( (int) $request['id'] ) ) {
			return new WP_Error( 'whieda_no_webinar', __( 'Такого вебинара нет.', 'whieda-bridge' ), array( 'status' => 404 ) );
		}
		return true;
	}

	/**
	 * Entry: the open session of this tab again, or a new one with client_webinar_entered.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return array
	 */
	public function enter( WP_REST_Request $request ) {
		$lead_id    = self::current_lead_id();
		$webinar_id = (int) $request['id'];
		$live       = 'live' === self::read_state( $webinar_id )['status'];
		$session    = $this->sessions->enter( $lead_id, $webinar_id, self::session_of( $request ), $live );
		if ( $session['new'] ) {
			whieda_client_webinar_entered( $lead_id, $webinar_id, array( 'session_id' => $session['session_id'] ) );
		}
		return array(
			'session_id'   => $session['session_id'],
			'entered'      => $session['new'],
			'token'        => whieda_room_token( $lead_id, $webinar_id ),
			'presence_url' => $this->fast_or_rest( $webinar_id, 'presence' ),
		);
	}

	/**
	 * Exit, also sent with navigator.sendBeacon when the tab closes: client_webinar_left once.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return array
	 */
	public function leave( WP_REST_Request $request ) {
		$lead_id    = self::current_lead_id();
		$webinar_id = (int) $request['id'];
		$session_id = self::session_of( $request );
		$body       = self::body( $request );
		$reason     = isset( $body['reason'] ) ? sanitize_key( (string) $body['reason'] ) : '';
		$first      = '' !== $session_id && $this->sessions->mark( 'left_at', $lead_id, $webinar_id, $session_id );
		if ( $first ) {
			whieda_client_webinar_left( $lead_id, $webinar_id, $session_id, '' !== $reason ? $reason : 'leave' );
		}
		return array( 'left' => $first );
	}

	/**
	 * Completion: client_webinar_completed once per session, and only for what happened: a published
	 * webinar whose room is live or has ended, and a session that was in the room while it was live.
	 * A refusal is a 409 with the reason, logged, and fires nothing.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return array|WP_Error
	 */
	public function complete( WP_REST_Request $request ) {
		$lead_id    = self::current_lead_id();
		$webinar_id = (int) $request['id'];
		$session_id = self::session_of( $request );
		$refusal    = null;
		if ( 'publish' !== get_post_status( $webinar_id ) ) {
			$refusal = array( 'whieda_not_published', __( 'Этот вебинар не опубликован: участие в нём не засчитывается.', 'whieda-bridge' ) );
		} elseif ( ! in_array( self::read_state( $webinar_id )['status'], array( 'live', 'ended' ), true ) ) {
			$refusal = array( 'whieda_not_aired', __( 'Вебинар ещё не начался: участие засчитывается, когда эфир идёт или уже прошёл.', 'whieda-bridge' ) );
		} elseif ( '' === $session_id || ! $this->sessions->was_live( $lead_id, $webinar_id, $session_id ) ) {
			$refusal = array( 'whieda_not_in_room', __( 'Участие засчитывается, только если вы были в комнате во время эфира. Откройте комнату вебинара, пока идёт эфир.', 'whieda-bridge' ) );
		}
		if ( $refusal ) {
			Whieda_Log::write( sprintf( 'completion refused (%s): lead %d, webinar %d, session "%s"', $refusal[0], $lead_id, $webinar_id, $session_id ) );
			return new WP_Error( $refusal[0], $refusal[1], array( 'status' => 409 ) );
		}
		$first = $this->sessions->mark( 'completed_at', $lead_id, $webinar_id, $session_id );
		if ( $first ) {
			whieda_client_webinar_completed( $lead_id, $webinar_id, $session_id );
		}
		return array( 'completed' => $first );
	}

	/**
	 * The heartbeat, relayed to the sidecar's fast path as it came.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response
	 */
	public function presence( WP_REST_Request $request ) {
		$result = $this->client->post_json( '/v1/rooms/' . (int) $request['id'] . '/presence', (string) wp_json_encode( self::body( $request ) ) );
		if ( 0 === $result['status'] ) {
			return new WP_REST_Response( array( 'error' => __( 'Сайдкар недоступен, повторите позже.', 'whieda-bridge' ) ), 503 );
		}
		return new WP_REST_Response( $result['data'], $result['status'] );
	}

	/**
	 * Everything the room page's script (assets/js/whieda-room.js) needs, for one webinar.
	 *
	 * @param int $webinar_id Webinar.
	 * @return array
	 */
	public function client_config( $webinar_id ) {
		$webinar_id = absint( $webinar_id );
		$rest       = function ( $what ) use ( $webinar_id ) {
			return rest_url( self::NS . '/rooms/' . $webinar_id . '/' . $what );
		};
		return array(
			'webinarId'        => $webinar_id,
			'stateUrl'         => $this->fast_or_rest( $webinar_id, 'state' ),
			'fallbackStateUrl' => $rest( 'state' ),
			'enterUrl'         => $rest( 'enter' ),
			'leaveUrl'         => $rest( 'leave' ),
			'completeUrl'      => $rest( 'complete' ),
			'embedsUrl'        => $rest( 'embeds' ),
			'nonce'            => wp_create_nonce( 'wp_rest' ),
			/**
			 * Filters how often (seconds) a room page polls the room state; the CTA follows within about this.
			 *
			 * @param float $seconds    Default 3.
			 * @param int   $webinar_id The webinar.
			 */
			'pollSec'          => max( 0.5, (float) apply_filters( 'whieda_room_poll_sec', 3, $webinar_id ) ),
			'beatSec'          => 30,
			'refreshSec'       => self::REFRESH_SEC,
		);
	}

	/**
	 * The lead the current user takes part as: the `whieda_current_lead_id` filter, by default the
	 * user meta `lead_id` (the user's lead_entry in Core).
	 *
	 * @return int
	 */
	public static function current_lead_id() {
		$user_id = get_current_user_id();
		$lead_id = $user_id ? absint( get_user_meta( $user_id, 'lead_id', true ) ) : 0;
		/**
		 * Filters the lead_entry the logged-in user takes part in webinars as.
		 *
		 * @param int $lead_id Default: the user meta `lead_id`.
		 * @param int $user_id The user.
		 */
		return absint( apply_filters( 'whieda_current_lead_id', $lead_id, $user_id ) );
	}

	/**
	 * Where browsers reach one of the room's fast paths: the sidecar's, or this plugin's REST route.
	 *
	 * @param int    $webinar_id Webinar.
	 * @param string $what       'state' or 'presence'.
	 * @return string
	 */
	private function fast_or_rest( $webinar_id, $what ) {
		$base = $this->config->public_api_base();
		return '' !== $base ? $base . '/v1/rooms/' . $webinar_id . '/' . $what : rest_url( self::NS . '/rooms/' . $webinar_id . '/' . $what );
	}

	/**
	 * The JSON body, whatever type a beacon sent it as.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return array
	 */
	private static function body( WP_REST_Request $request ) {
		$body = json_decode( $request->get_body(), true );
		return is_array( $body ) ? $body : $request->get_body_params();
	}

	private static function session_of( WP_REST_Request $request ) {
		$body    = self::body( $request );
		$session = isset( $body['session_id'] ) ? (string) $body['session_id'] : '';
		return preg_match( '/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/', $session ) ? $session : '';
	}
}

/**
 * A room token for the sidecar's presence fast path (a Whieda_Token, read by sidecar/signing.py): this lead, this webinar.
 *
 * @param int $lead_id    The lead_entry.
 * @param int $webinar_id The webinar_event.
 * @param int $ttl        Seconds it stays valid.
 * @return string
 */
function whieda_room_token( $lead_id, $webinar_id, $ttl = Whieda_Room_Route::TOKEN_TTL ) {
	$claims = array(
		'lead_id'    => absint( $lead_id ),
		'webinar_id' => absint( $webinar_id ),
	);
	return Whieda_Token::mint( Whieda_Plugin::instance()->config->secret(), Whieda_Token::ROOM, $claims, $ttl );
}

/**
 * Loads the room page's script (assets/js/whieda-room.js) with its settings for one webinar; the
 * page then calls `WhiedaRoom.start( window.whiedaRoom, { onState: function ( state, before ) {…} } )`.
 *
 * @param int $webinar_id The webinar_event.
 */
function whieda_enqueue_room_script( $webinar_id ) {
	wp_enqueue_script( 'whieda-room', plugins_url( 'assets/js/whieda-room.js', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION, true );
	wp_add_inline_script( 'whieda-room', 'window.whiedaRoom = ' . wp_json_encode( Whieda_Plugin::instance()->room_route->client_config( $webinar_id ) ) . ';', 'before' );
}
