<?php
/**
 * The loader: builds the plugin's parts and registers every hook, in one place.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Wires the parts together. Read register_hooks() top to bottom to see all the plugin does.
 */
final class Whieda_Plugin {

	/** WP-Cron event that replays the outbox. */
	const REPLAY_EVENT = 'whieda_outbox_replay';

	/** Daily WP-Cron event that forgets old emit ids. */
	const CLEANUP_EVENT = 'whieda_daily_cleanup';

	/** @var Whieda_Plugin|null */
	private static $instance = null;

	/** @var Whieda_Config */
	public $config;

	/** @var Whieda_Contract */
	public $contract;

	/** @var Whieda_Outbox */
	public $outbox;

	/** @var Whieda_Breaker */
	public $breaker;

	/** @var Whieda_Sidecar_Client */
	public $client;

	/** @var Whieda_Emitter */
	public $emitter;

	/** @var Whieda_Forwarder */
	public $forwarder;

	/** @var Whieda_Room_Route */
	public $room_route;

	/** @var Whieda_Object_Cache */
	public $object_cache;

	/** @var Whieda_Autowebinar_Meta */
	public $autowebinar_meta;

	/**
	 * The one instance.
	 *
	 * @return Whieda_Plugin
	 */
	public static function instance() {
		if ( null === self::$instance ) {
			self::$instance = new self();
		}
		return self::$instance;
	}

	private function __construct() {
		$this->config    = new Whieda_Config();
		$this->contract  = new Whieda_Contract( $this->config->contracts_dir() );
		$this->outbox    = new Whieda_Outbox();
		$this->breaker   = new Whieda_Breaker();
		$this->client    = new Whieda_Sidecar_Client( $this->config );
		$this->emitter   = new Whieda_Emitter( $this->contract );
		$this->forwarder = new Whieda_Forwarder( $this->config, $this->contract, $this->client, $this->outbox, $this->breaker, $this->emitter );
		$this->room_route = new Whieda_Room_Route( $this->config, $this->client, new Whieda_Room_Sessions() );
		$this->object_cache = new Whieda_Object_Cache();
		$this->autowebinar_meta = new Whieda_Autowebinar_Meta();
	}

	/**
	 * Every add_action, add_filter and add_shortcode of the plugin, top to bottom, with its priority
	 * where that matters. The classes hold the callbacks; none registers itself. The REST routes are
	 * all in register_routes(), on rest_api_init. Two filters are added only around one call and taken
	 * off after it: Whieda_Sidecar_Client's http_api_curl (its connect timeout) and Whieda_Room_Page's
	 * whieda_room_poll_sec (the post-webinar room's faster poll).
	 */
	public function register_hooks() {
		add_action( 'init', array( $this, 'load_textdomain' ) );
		add_action( 'plugins_loaded', array( 'Whieda_Schema', 'maybe_upgrade' ) );
		add_action( 'rest_api_init', array( $this, 'register_routes' ) );

		// The bridge: each inbound hook of the contract, with its full argument list, is noted while the page
		// runs; at shutdown 100 (after everything else this request does, Whieda_Schedule_Watch's 10 included)
		// the calls go to the outbox, which the sidecar pulls.
		foreach ( $this->contract->inbound() as $hook => $names ) {
			add_action(
				$hook,
				function ( ...$args ) use ( $hook ) {
					$this->forwarder->note( $hook, $args );
				},
				10,
				count( $names )
			);
		}
		add_action( 'shutdown', array( $this->forwarder, 'flush' ), 100 );

		// The live room: what the sidecar needs resolved about a call (webinar, contacts), 3 arguments.
		$resolver = new Whieda_Resolver();
		add_filter( 'whieda_resolved', array( $resolver, 'resolve' ), 10, 3 );
		add_action( self::CLEANUP_EVENT, array( 'Whieda_Room_Sessions', 'forget_old' ) );
		add_action( self::CLEANUP_EVENT, array( 'Whieda_Lead_Guard', 'forget_old' ) );

		// AutoWebinar: the player shortcode and its script.
		$autowebinar = new Whieda_Autowebinar( $this->config );
		add_shortcode( Whieda_Autowebinar::SHORTCODE, array( $autowebinar, 'render' ) );
		add_action( 'wp_enqueue_scripts', array( $autowebinar, 'register_assets' ) );
		// The sidecar's autowebinar_* rows read fresh under a persistent object cache; WordPress's own writes
		// of them in this request (uninstall, another plugin) are read again.
		if ( wp_using_ext_object_cache() ) {
			add_filter( 'get_user_metadata', array( $this->autowebinar_meta, 'filter' ), 10, 4 );
			foreach ( array( 'added_user_meta', 'updated_user_meta', 'deleted_user_meta' ) as $written ) {
				add_action( $written, array( $this->autowebinar_meta, 'forget' ), 10, 2 );
			}
		}

		// A viewer deleted in WordPress takes its autowebinar_* rows along: the sidecar counts the funnel again.
		( new Whieda_User_Deletion() )->register();

		// Lead scenarios: the web form hands Core new contacts (its POST handled on template_redirect, before
		// the console's refusal status below).
		$lead_form = new Whieda_Lead_Form();
		add_shortcode( Whieda_Lead_Form::SHORTCODE, array( $lead_form, 'render' ) );
		add_action( 'template_redirect', array( $lead_form, 'handle' ) );

		// «Добавить в календарь»: the .ics SEQUENCE is raised when a start moves (after the bridge noted the call).
		add_action( 'webinar_schedule_changed', array( 'Whieda_Calendar', 'start_moved' ), 10, 2 );
		// A webinar's start changed or it is gone: webinar_schedule_changed fires at shutdown 10, before the
		// bridge stores this request's calls (100).
		$schedule_watch = new Whieda_Schedule_Watch( $resolver );
		foreach ( array( 'added_post_meta', 'updated_post_meta', 'deleted_post_meta' ) as $hook ) {
			add_action( $hook, array( $schedule_watch, 'meta_changed' ), 10, 3 );
		}
		foreach ( array( 'trashed_post', 'untrashed_post', 'before_delete_post' ) as $hook ) {
			add_action( $hook, array( $schedule_watch, 'post_changed' ) );
		}
		add_action( 'shutdown', array( $schedule_watch, 'fire' ), 10 );

		// The site's pages: schedule, live room, speaker's console, post-webinar screens.
		$schedule = new Whieda_Schedule_Page();
		add_shortcode( Whieda_Schedule_Page::SHORTCODE, array( $schedule, 'render' ) );
		add_action( 'admin_post_' . Whieda_Schedule_Page::ACTION, array( $schedule, 'handle' ) );
		add_action( 'admin_post_nopriv_' . Whieda_Schedule_Page::ACTION, array( $schedule, 'handle_guest' ) );
		add_shortcode( Whieda_Room_Page::SHORTCODE, array( new Whieda_Room_Page(), 'render' ) );
		$console = new Whieda_Admin_Console();
		add_shortcode( Whieda_Admin_Console::SHORTCODE, array( $console, 'render' ) );
		add_action( 'admin_post_' . Whieda_Admin_Console::ACTION, array( $console, 'handle' ) );
		add_action( 'admin_post_nopriv_' . Whieda_Admin_Console::ACTION, array( $console, 'refuse' ) );
		add_action( 'init', array( 'Whieda_Admin_Console', 'grant_caps' ), 20, 0 ); // After Core registers its roles.
		add_action( 'template_redirect', array( $console, 'refusal_status' ) );
		add_action( 'post_webinar_route', array( 'Whieda_Post_Webinar', 'route' ) );

		// The outbox: replayed by WP-Cron every minute (and by `make replay`, the admin screen, the sidecar).
		add_filter( 'cron_schedules', array( __CLASS__, 'cron_schedules' ) );
		add_action( self::REPLAY_EVENT, array( $this->forwarder, 'replay' ) );
		add_action( self::CLEANUP_EVENT, array( 'Whieda_Emit_Route', 'forget_old' ) );

		// Tools → Site Health (its tests also run over REST, so not only in wp-admin).
		$health      = new Whieda_Health( $this->config, $this->contract, $this->client );
		$site_health = new Whieda_Site_Health( $this->config, $this->outbox, $this->breaker, $health );
		add_filter( 'site_status_tests', array( $site_health, 'add_tests' ) );
		add_filter( 'debug_information', array( $site_health, 'add_info' ) );

		if ( ! is_admin() ) {
			return;
		}
		// Settings → Whieda (its page before the reports' in the menu; its setting before the cron events).
		$admin = new Whieda_Admin( $this->config, $this->client, $this->outbox, $this->breaker, $this->forwarder, $this->object_cache );
		add_action( 'admin_menu', array( $admin, 'add_page' ) );
		add_action( 'admin_init', array( $admin, 'register_setting' ) );
		add_action( 'admin_post_whieda_replay', array( $admin, 'handle_replay' ) );
		add_action( 'admin_post_whieda_requeue', array( $admin, 'handle_requeue' ) );
		add_action( 'admin_post_whieda_object_cache_enable', array( $admin, 'handle_object_cache_enable' ) );
		add_action( 'admin_post_whieda_object_cache_disable', array( $admin, 'handle_object_cache_disable' ) );
		// Its «Запланированные задания» section; the retry is asked of the sidecar.
		$jobs = new Whieda_Jobs_View( $this->client );
		add_action( 'whieda_admin_sections', array( $jobs, 'render' ) );
		add_action( 'admin_post_' . Whieda_Jobs_View::ACTION, array( $jobs, 'handle_retry' ) );
		// The notice on the plugin's screens while something stops the bridge.
		add_action( 'admin_notices', array( $health, 'notice' ) );
		// The webinar reports (webinar_view_reports) and their CSV.
		$reports = new Whieda_Reports();
		add_action( 'admin_menu', array( $reports, 'add_page' ) );
		add_action( 'admin_post_' . Whieda_Reports::CSV, array( $reports, 'csv' ) );
		add_action( 'admin_init', array( __CLASS__, 'schedule_events' ) );
	}

	/**
	 * Every REST route of the plugin (rest_api_init), under whieda/v1.
	 */
	public function register_routes() {
		// Only the sidecar may call these: signed with the shared secret (Whieda_Signer::register_signed_route).
		( new Whieda_Emit_Route( $this->config, $this->contract, $this->emitter ) )->register_routes(); // POST /emit
		( new Whieda_Outbox_Route( $this->config, $this->outbox, $this->forwarder, $this->breaker, $this->emitter ) )->register_routes(); // POST /outbox, /outbox/backlog
		( new Whieda_Replay_Route( $this->config, $this->forwarder, $this->outbox ) )->register_routes(); // POST /replay
		// Room pages: GET /rooms/{id}/state, /embeds; POST /rooms/{id}/enter, leave, complete, presence.
		$this->room_route->register_routes();
		// The speaker's console's live counts: GET /rooms/{id}/live.
		( new Whieda_Console_Live() )->register_routes();
		// AutoWebinar's fast paths relayed when the sidecar is not proxied, and its viewer token's renewal.
		( new Whieda_Viewer_Relay( $this->client ) )->register_routes();
		( new Whieda_Viewer_Token( $this->config ) )->register_routes();
		// «Подключить Telegram»: the link to the bot, relayed when the sidecar is not proxied.
		( new Whieda_Telegram_Link( $this->config, $this->client ) )->register_routes();
		// «Добавить в календарь»: GET /calendar/{id}, the signed .ics.
		( new Whieda_Calendar() )->register_routes();
	}

	public function load_textdomain() {
		load_plugin_textdomain( 'whieda-bridge', false, dirname( plugin_basename( WHIEDA_BRIDGE_FILE ) ) . '/languages' );
	}

	/**
	 * Adds the every-minute schedule of the outbox replay.
	 *
	 * @param array $schedules Known schedules.
	 * @return array
	 */
	public static function cron_schedules( $schedules ) {
		$schedules['whieda_every_minute'] = array(
			'interval' => MINUTE_IN_SECONDS,
			'display'  => __( 'Каждую минуту (очередь Whieda)', 'whieda-bridge' ),
		);
		return $schedules;
	}

	public static function schedule_events() {
		if ( ! wp_next_scheduled( self::REPLAY_EVENT ) ) {
			wp_schedule_event( time() + MINUTE_IN_SECONDS, 'whieda_every_minute', self::REPLAY_EVENT );
		}
		if ( ! wp_next_scheduled( self::CLEANUP_EVENT ) ) {
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', self::CLEANUP_EVENT );
		}
	}

	public static function activate() {
		// Without its contract the plugin would forward nothing and refuse every emit: refuse, saying why.
		$plugin  = self::instance();
		$missing = ( new Whieda_Health( $plugin->config, $plugin->contract, $plugin->client ) )->contract_problem();
		if ( null !== $missing ) {
			wp_die( esc_html( $missing['problem'] . ' ' . $missing['fix'] ), esc_html__( 'Whieda не включён', 'whieda-bridge' ), array( 'back_link' => true ) );
		}
		Whieda_Schema::install();
		add_filter( 'cron_schedules', array( __CLASS__, 'cron_schedules' ) );
		self::schedule_events();
		Whieda_Admin_Console::grant_caps( true );
	}

	public static function deactivate() {
		wp_clear_scheduled_hook( self::REPLAY_EVENT );
		wp_clear_scheduled_hook( self::CLEANUP_EVENT );
		// Like the well-known object-cache plugins: our drop-in goes with the plugin (a foreign one stays).
		self::instance()->object_cache->disable();
	}
}
