<?php
/**
 * Settings → Whieda: connection, health, outbox.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The settings screen. Saving goes through the Settings API (nonce and
 * capability checked by options.php); replay and requeue go through
 * admin-post.php with their own nonces. Everything printed is escaped.
 */
class Whieda_Admin {

	const PAGE       = 'whieda';
	const CAPABILITY = 'manage_options';

	/** @var Whieda_Config */
	private $config;

	/** @var Whieda_Sidecar_Client */
	private $client;

	/** @var Whieda_Outbox */
	private $outbox;

	/** @var Whieda_Breaker */
	private $breaker;

	/** @var Whieda_Forwarder */
	private $forwarder;

	/** @var Whieda_Object_Cache */
	private $object_cache;

	public function __construct( Whieda_Config $config, Whieda_Sidecar_Client $client, Whieda_Outbox $outbox, Whieda_Breaker $breaker, Whieda_Forwarder $forwarder, Whieda_Object_Cache $object_cache = null ) {
		$this->config       = $config;
		$this->client       = $client;
		$this->outbox       = $outbox;
		$this->breaker      = $breaker;
		$this->forwarder    = $forwarder;
		$this->object_cache = $object_cache ? $object_cache : new Whieda_Object_Cache();
	}

	public function add_page() {
		add_options_page( __( 'Whieda: мост вебинаров', 'whieda-bridge' ), __( 'Whieda', 'whieda-bridge' ), self::CAPABILITY, self::PAGE, array( $this, 'render' ) );
	}

	public function register_setting() {
		register_setting(
			self::PAGE,
			Whieda_Config::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( $this, 'sanitize' ),
				'default'           => array(),
			)
		);
	}

	/**
	 * Cleans the submitted settings. An empty secret field keeps the saved secret.
	 *
	 * @param mixed $input Submitted values.
	 * @return array
	 */
	public function sanitize( $input ) {
		$saved = get_option( Whieda_Config::OPTION, array() );
		$clean = is_array( $saved ) ? $saved : array();
		$input = is_array( $input ) ? wp_unslash( $input ) : array();

		if ( isset( $input['sidecar_url'] ) ) {
			$url = esc_url_raw( trim( (string) $input['sidecar_url'] ), array( 'http', 'https' ) );
			if ( '' === trim( (string) $input['sidecar_url'] ) || '' !== $url ) {
				$clean['sidecar_url'] = $url;
			} else {
				add_settings_error( Whieda_Config::OPTION, 'whieda_url', __( 'Адрес сайдкара должен начинаться с http:// или https://.', 'whieda-bridge' ) );
			}
		}
		$secret = isset( $input['secret'] ) ? trim( (string) $input['secret'] ) : '';
		if ( '' !== $secret ) {
			if ( strlen( $secret ) >= 16 ) {
				$clean['secret'] = $secret;
			} else {
				add_settings_error( Whieda_Config::OPTION, 'whieda_secret', __( 'Секрет должен быть не короче 16 символов; сохранён прежний.', 'whieda-bridge' ) );
			}
		}
		$bounds = array(
			'timeout_ms'         => array( 50, 10000 ),
			'connect_timeout_ms' => array( 10, 5000 ),
		);
		foreach ( $bounds as $key => $range ) {
			if ( isset( $input[ $key ] ) && '' !== $input[ $key ] ) {
				$clean[ $key ] = max( $range[0], min( $range[1], absint( $input[ $key ] ) ) );
			}
		}
		if ( isset( $input['uninstall_viewing'] ) ) {
			$clean['uninstall_viewing'] = 'remove' === $input['uninstall_viewing'] ? 'remove' : 'keep';
		}
		return $clean;
	}

	public function render() {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Недостаточно прав для этой страницы.', 'whieda-bridge' ), 403 );
		}
		wp_enqueue_style( 'whieda-admin', plugins_url( 'assets/css/whieda-admin.css', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION );
		$view = array(
			'config'  => $this->config,
			'health'  => $this->config->is_configured() ? $this->client->health() : null,
			'breaker' => $this->breaker->state(),
			'counts'  => $this->outbox->counts(),
			'errors'  => $this->outbox->recent_errors( 10 ),
			'secret'  => self::masked( $this->config->secret() ),
			'notice'  => isset( $_GET['whieda_notice'] ) ? sanitize_key( wp_unslash( $_GET['whieda_notice'] ) ) : '', // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
			'count'   => isset( $_GET['whieda_count'] ) ? absint( $_GET['whieda_count'] ) : 0, // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
			'reason'  => isset( $_GET['whieda_reason'] ) ? sanitize_key( wp_unslash( $_GET['whieda_reason'] ) ) : '', // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
			'cache'   => array(
				'state'     => $this->object_cache->state(),
				'extension' => $this->object_cache->has_extension(),
				'servers'   => $this->object_cache->servers(),
				'reachable' => $this->object_cache->reachable(),
				'may'       => current_user_can( Whieda_Object_Cache::capability() ),
			),
		);
		require WHIEDA_BRIDGE_DIR . '/templates/admin-settings.php';
	}

	public function handle_replay() {
		$this->check_request( 'whieda_replay' );
		$delivered = $this->forwarder->replay( true );
		$this->back( 'replayed', $delivered );
	}

	public function handle_requeue() {
		$this->check_request( 'whieda_requeue' );
		$count = $this->forwarder->requeue_failed();
		$this->back( 'requeued', $count );
	}

	public function handle_object_cache_enable() {
		$this->check_request( 'whieda_object_cache_enable', Whieda_Object_Cache::capability() );
		$this->after_object_cache( $this->object_cache->enable(), 'cache_enabled' );
	}

	public function handle_object_cache_disable() {
		$this->check_request( 'whieda_object_cache_disable', Whieda_Object_Cache::capability() );
		$this->after_object_cache( $this->object_cache->disable(), 'cache_disabled' );
	}

	/**
	 * @param true|WP_Error $done   Outcome.
	 * @param string        $notice Notice on success.
	 */
	private function after_object_cache( $done, $notice ) {
		if ( is_wp_error( $done ) ) {
			Whieda_Log::write( 'object cache drop-in: ' . $done->get_error_message() );
			$this->back( 'cache_error', 0, $done->get_error_code() );
		}
		$this->back( $notice, 0 );
	}

	/**
	 * How a secret is shown: never in full, only that it is set and its last characters.
	 *
	 * @param string $secret Secret.
	 * @return string
	 */
	public static function masked( $secret ) {
		if ( '' === $secret ) {
			return '';
		}
		return strlen( $secret ) >= 20 ? '••••••••' . substr( $secret, -4 ) : '••••••••';
	}

	/**
	 * One button that posts an admin action to admin-post.php with its own nonce (checked by check_request()).
	 *
	 * @param string $action Action name, also the nonce action.
	 * @param string $label  Button text.
	 * @param string $name   Button name (its id on the page).
	 */
	public static function action_button( $action, $label, $name ) {
		?>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" style="display:inline">
			<input type="hidden" name="action" value="<?php echo esc_attr( $action ); ?>">
			<?php wp_nonce_field( $action ); ?>
			<?php submit_button( $label, 'secondary', $name, false ); ?>
		</form>
		<?php
	}

	private function check_request( $action, $capability = self::CAPABILITY ) {
		if ( ! current_user_can( $capability ) ) {
			wp_die( esc_html__( 'Недостаточно прав.', 'whieda-bridge' ), 403 );
		}
		check_admin_referer( $action );
	}

	private function back( $notice, $count, $reason = '' ) {
		wp_safe_redirect(
			add_query_arg(
				array_filter(
					array(
						'page'          => self::PAGE,
						'whieda_notice' => $notice,
						'whieda_count'  => $count,
						'whieda_reason' => $reason,
					),
					'strlen'
				),
				admin_url( 'options-general.php' )
			)
		);
		exit;
	}
}
