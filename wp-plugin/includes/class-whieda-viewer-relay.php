<?php
/**
 * POST /wp-json/whieda/v1/viewer/{join|progress|cta|leave}: the fast paths, relayed server-side.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * For sites whose web server does not proxy the sidecar under the site's own domain
 * (WHIEDA_PUBLIC_API_BASE empty), the player calls these routes instead; each passes the
 * body to the sidecar as it is and hands back its answer. Slower (WordPress boots for each
 * heartbeat) but the same behaviour: the viewer token in the body is what authenticates,
 * and the sidecar checks it, so the route itself is open and stores nothing.
 */
class Whieda_Viewer_Relay {

	const ACTIONS  = array( 'join', 'progress', 'cta', 'leave' );
	const MAX_BODY = 4096;

	/** @var Whieda_Sidecar_Client */
	private $client;

	public function __construct( Whieda_Sidecar_Client $client ) {
		$this->client = $client;
	}

	public function register_routes() {
		register_rest_route(
			'whieda/v1',
			'/viewer/(?P<action>' . implode( '|', self::ACTIONS ) . ')',
			array(
				'methods'             => 'POST',
				'callback'            => array( $this, 'relay' ),
				'permission_callback' => '__return_true', // The sidecar checks the viewer token.
			)
		);
	}

	/**
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function relay( WP_REST_Request $request ) {
		$body = (string) $request->get_body();
		if ( strlen( $body ) > self::MAX_BODY ) {
			return new WP_Error( 'whieda_too_large', __( 'Слишком большой запрос.', 'whieda-bridge' ), array( 'status' => 413 ) );
		}
		$result = $this->client->post_json( '/v1/viewer/' . $request['action'], $body );
		if ( 0 === $result['status'] ) {
			return new WP_Error( 'whieda_unavailable', __( 'Просмотр записи временно недоступен.', 'whieda-bridge' ), array( 'status' => 503 ) );
		}
		$answer = new WP_REST_Response( $result['data'], $result['status'] );
		$answer->header( 'Cache-Control', 'no-store' );
		return $answer;
	}
}
