<?php
/**
 * The loader: builds the plugin's parts and registers every hook, in one place.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Wires the parts together. Read register() top to bottom to see all the plugin does.
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
	 * Registers every hook of the plugin.
	 */
	public function register() {
		add_action( 'init', array( $this, 'load_textdomain' ) );
		add_action( 'plugins_loaded', array( 'Whieda_Schema', 'maybe_upgrade' ) );

		// The bridge: inbound hooks of the contract go to the outbox, which the sidecar pulls; its emits come back as do_action.
		$this->forwarder->subscribe();
		add_action( 'shutdown', array( $this->forwarder, 'flush' ), 100 );
		add_action( 'rest_api_init', array( new Whieda_Emit_Route( $this->config, $this->contract, $this->emitter ), 'register' ) );
		add_action( 'rest_api_init', array( new Whieda_Outbox_Route( $this->config, $this->outbox, $this->forwarder, $this->breaker, $this->emitter ), 'register' ) );

		// The live room: what the sidecar needs resolved (webinar, contacts), room state and the room page's reports.
		( new Whieda_Resolver() )->register();
		add_action( 'rest_api_init', array( $this->room_route, 'register' ) );
		add_action( self::CLEANUP_EVENT, array( 'Whieda_Room_Sessions', 'forget_old' ) );
		add_action( self::CLEANUP_EVENT, array( 'Whieda_Lead_Guard', 'forget_old' ) );

		// AutoWebinar: the player shortcode; its fast paths relayed when the sidecar is not proxied.
		( new Whieda_Autowebinar( $this->config ) )->register();
		add_action( 'rest_api_init', array( new Whieda_Viewer_Relay( $this->client ), 'register' ) );
		add_action( 'rest_api_init', array( new Whieda_Viewer_Token( $this->config ), 'register' ) );
		// The sidecar's autowebinar_* rows read fresh under any persistent object cache.
		$this->autowebinar_meta->register();

		// Lead scenarios: the web form hands Core new contacts; webinar starts are followed for the reminders.
		( new Whieda_Lead_Form() )->register();
		// Telegram: the «Подключить Telegram» links to the bot, relayed when the sidecar is not proxied.
		add_action( 'rest_api_init', array( new Whieda_Telegram_Link( $this->config, $this->client ), 'register' ) );
		// «Добавить в календарь»: the signed .ics of a webinar, its SEQUENCE raised when the start moves.
		( new Whieda_Calendar() )->register();
		( new Whieda_Schedule_Watch( new Whieda_Resolver() ) )->register();
		// The site's pages: schedule, live room, speaker's console, post-webinar screens.
		( new Whieda_Schedule_Page() )->register();
		( new Whieda_Room_Page() )->register();
		( new Whieda_Admin_Console() )->register();
		( new Whieda_Post_Webinar() )->register();
		// What happens: the console's live counts; the webinar reports in wp-admin (webinar_view_reports).
		( new Whieda_Console_Live() )->register();

		// The outbox: replayed by WP-Cron, `make replay`, the admin screen and when the sidecar asks.
		add_action( 'rest_api_init', array( new Whieda_Replay_Route( $this->config, $this->forwarder, $this->outbox ), 'register' ) );
		add_filter( 'cron_schedules', array( __CLASS__, 'cron_schedules' ) );
		add_action( self::REPLAY_EVENT, array( $this->forwarder, 'replay' ) );
		add_action( self::CLEANUP_EVENT, array( 'Whieda_Emit_Route', 'forget_old' ) );

		// Tools → Site Health (its tests also run over REST, so not only in wp-admin), and the notice on the
		// plugin's screens while something stops the bridge.
		$health = new Whieda_Health( $this->config, $this->contract, $this->client );
		( new Whieda_Site_Health( $this->config, $this->outbox, $this->breaker, $health ) )->register();

		if ( is_admin() ) {
			( new Whieda_Admin( $this->config, $this->client, $this->outbox, $this->breaker, $this->forwarder, $this->object_cache ) )->register();
			( new Whieda_Jobs_View() )->register();
			$health->register();
			( new Whieda_Reports() )->register();
			add_action( 'admin_init', array( __CLASS__, 'schedule_events' ) );
		}
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
