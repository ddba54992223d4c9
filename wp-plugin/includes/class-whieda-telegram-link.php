<?php
/**
 * «Подключить Telegram»: the deep link that lets the site's bot learn a person's chat.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The button's link carries a start payload signed with the shared secret (sidecar/signing.py,
 * read_start_payload()): "<kind>_<subject>_<expiry base36>_<MAC>", at most 64 characters as Telegram
 * allows. Kind "f": a lead-form submission, by the random link key the form adds to core_ingest_event's
 * payload (whieda_link), valid before Core has created the lead; kind "l": a known lead. The link goes to
 * the sidecar's GET /v1/telegram/start/<payload> (under WHIEDA_PUBLIC_API_BASE, else relayed by the
 * REST route below), which redirects to the bot with python-telegram-bot's create_deep_linked_url.
 *
 * The bot's links are the sidecar's table {prefix}whieda_telegram_links (the sidecar writes it; the
 * plugin only reads a lead's chat from it, and uninstall drops it with the bridge's other tables).
 */
class Whieda_Telegram_Link {

	const FORM = 'f';
	const LEAD = 'l';

	/** How long a button's link may wait to be pressed; a page shown again mints a fresh one. */
	const TTL = HOUR_IN_SECONDS;

	/** Set for a few minutes when the sidecar says it has no bot: the buttons stay hidden meanwhile. */
	const NO_BOT_TRANSIENT = 'whieda_telegram_no_bot';

	/** @var array Lead id => chat id or null, for this request. */
	private static $chats = array();

	/** @var Whieda_Config */
	private $config;

	/** @var Whieda_Sidecar_Client */
	private $client;

	public function __construct( Whieda_Config $config, Whieda_Sidecar_Client $client ) {
		$this->config = $config;
		$this->client = $client;
	}

	public function register_routes() {
		register_rest_route(
			'whieda/v1',
			'/telegram/start/(?P<payload>[A-Za-z0-9_-]{1,64})',
			array(
				'methods'             => 'GET',
				'callback'            => array( $this, 'relay' ),
				'permission_callback' => '__return_true', // The sidecar checks the signed payload.
			)
		);
	}

	/** A new lead-form link key: 96 random bits as 24 hex digits. */
	public static function new_link_key() {
		return bin2hex( random_bytes( 12 ) );
	}

	/**
	 * The button's address for a form submission (its link key) or a lead, or '' when there is no bot.
	 *
	 * @param string     $kind    FORM or LEAD.
	 * @param string|int $subject The link key, or the lead id.
	 * @return string
	 */
	public static function connect_url( $kind, $subject ) {
		$config = Whieda_Plugin::instance()->config;
		if ( ! $config->is_configured() || get_transient( self::NO_BOT_TRANSIENT ) ) {
			return '';
		}
		if ( self::FORM === $kind && ! preg_match( '/^[0-9a-f]{24}$/', (string) $subject ) ) {
			return '';
		}
		$body    = $kind . '_' . ( self::LEAD === $kind ? base_convert( (string) absint( $subject ), 10, 36 ) : $subject )
			. '_' . base_convert( (string) ( time() + self::TTL ), 10, 36 );
		$mac     = hash_hmac( 'sha256', 'whieda-tg-start:' . $body, $config->secret(), true );
		$payload = $body . '_' . substr( rtrim( strtr( base64_encode( $mac ), '+/', '-_' ), '=' ), 0, 22 ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- a signature.
		$base    = $config->public_api_base();
		return '' !== $base ? $base . '/v1/telegram/start/' . $payload : rest_url( 'whieda/v1/telegram/start/' . $payload );
	}

	/**
	 * The chat the bridge's bot linked to a lead, or null.
	 *
	 * @param int $lead_id Lead.
	 * @return string|null
	 */
	public static function linked_chat( $lead_id ) {
		global $wpdb;
		$lead_id = absint( $lead_id );
		if ( ! array_key_exists( $lead_id, self::$chats ) ) {
			$suppress = $wpdb->suppress_errors( true ); // The sidecar creates the table; it may not exist yet.
			$chat     = $wpdb->get_var( $wpdb->prepare( "SELECT chat_id FROM {$wpdb->prefix}whieda_telegram_links WHERE lead_id = %d AND chat_id IS NOT NULL", $lead_id ) ); // phpcs:ignore WordPress.DB
			$wpdb->suppress_errors( $suppress );
			self::$chats[ $lead_id ] = null === $chat ? null : (string) $chat;
		}
		return self::$chats[ $lead_id ];
	}

	/**
	 * Whether the bridge may write to the lead: a chat is known (its bot's link, or Core's through
	 * whieda_lead_contacts) and has not said /stop.
	 *
	 * @param int $lead_id Lead.
	 * @return bool
	 */
	public static function lead_has_chat( $lead_id ) {
		global $wpdb;
		$contacts = ( new Whieda_Resolver() )->contacts( absint( $lead_id ), 0 );
		$chat     = isset( $contacts['lead']['telegram_chat_id'] ) ? (string) $contacts['lead']['telegram_chat_id'] : '';
		if ( '' === $chat ) {
			return false;
		}
		// A chat that said /stop (or blocked the bot) gets nothing until it presses Start again: offer it.
		$suppress = $wpdb->suppress_errors( true );
		$stopped  = $wpdb->get_var( $wpdb->prepare( "SELECT 1 FROM {$wpdb->prefix}whieda_telegram_chats WHERE chat_id = %s AND stopped_at IS NOT NULL", $chat ) ); // phpcs:ignore WordPress.DB
		$wpdb->suppress_errors( $suppress );
		return null === $stopped;
	}

	/**
	 * The block for a logged-in lead whose chat the bridge does not know yet, else ''.
	 *
	 * @param int    $lead_id Lead (0: none, nothing offered).
	 * @param string $why     The line on why, for this place.
	 * @return string
	 */
	public static function offer( $lead_id, $why ) {
		if ( ! $lead_id || self::lead_has_chat( $lead_id ) ) {
			return '';
		}
		return self::block( self::connect_url( self::LEAD, $lead_id ), $why );
	}

	/**
	 * The «Подключить Telegram» block (templates/telegram-connect.php), or '' when there is nothing to offer.
	 *
	 * @param string $url  connect_url().
	 * @param string $why  The line on why, for this place.
	 * @return string
	 */
	public static function block( $url, $why ) {
		if ( '' === $url ) {
			return '';
		}
		self::enqueue_style();
		ob_start();
		require WHIEDA_BRIDGE_DIR . '/templates/telegram-connect.php';
		return (string) ob_get_clean();
	}

	/** The blocks' own small stylesheet (the pages' and the form's styles stay theirs). */
	public static function enqueue_style() {
		wp_enqueue_style( 'whieda-telegram', plugins_url( 'assets/css/whieda-telegram.css', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION );
	}

	/**
	 * GET /wp-json/whieda/v1/telegram/start/<payload>: the sidecar's answer, for sites without the proxy.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_Error|void
	 */
	public function relay( WP_REST_Request $request ) {
		$response = $this->client->get_page( '/v1/telegram/start/' . rawurlencode( (string) $request['payload'] ) );
		if ( is_wp_error( $response ) ) {
			return new WP_Error( 'whieda_unavailable', __( 'Подключение Telegram временно недоступно. Попробуйте через минуту.', 'whieda-bridge' ), array( 'status' => 503 ) );
		}
		$status   = (int) wp_remote_retrieve_response_code( $response );
		$location = (string) wp_remote_retrieve_header( $response, 'location' );
		if ( 302 === $status && '' !== $location ) {
			wp_redirect( $location, 302 ); // phpcs:ignore WordPress.Security.SafeRedirect.wp_redirect_wp_redirect -- the bot's t.me link, made by the sidecar.
			exit;
		}
		if ( 503 === $status ) {
			set_transient( self::NO_BOT_TRANSIENT, 1, 5 * MINUTE_IN_SECONDS );
		}
		status_header( $status ? $status : 502 );
		nocache_headers();
		header( 'Content-Type: text/html; charset=utf-8' );
		echo wp_kses_post( wp_remote_retrieve_body( $response ) ); // The sidecar's short page.
		exit;
	}
}
