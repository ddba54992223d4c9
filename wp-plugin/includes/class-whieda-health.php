<?php
/**
 * What keeps the plugin from working, each with its fix: for Site Health and the admin notice.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * One place that knows when the bridge cannot work: the contract missing or unreadable, the
 * sidecar's address or the secret unset, the sidecar unreachable, its secret different, its
 * schema older or newer than this plugin's. Never a silent no-op: Site Health shows a critical
 * entry and the plugin's screens a notice, each naming the fix.
 */
class Whieda_Health {

	/** The schema version of the sidecar this plugin is made for (sidecar/schema.py LATEST). */
	const SIDECAR_SCHEMA = 4;

	/** @var Whieda_Config */
	private $config;

	/** @var Whieda_Contract */
	private $contract;

	/** @var Whieda_Sidecar_Client */
	private $client;

	/** @var array|null The sidecar's /healthz answer, once a request. */
	private $health = null;

	public function __construct( Whieda_Config $config, Whieda_Contract $contract, Whieda_Sidecar_Client $client ) {
		$this->config   = $config;
		$this->contract = $contract;
		$this->client   = $client;
	}

	/** The sidecar's /healthz (asked once a request); null while the plugin is not configured. */
	public function sidecar() {
		if ( null === $this->health && $this->config->is_configured() ) {
			$this->health = $this->client->health();
		}
		return $this->health;
	}

	/**
	 * What stops the bridge now, most basic first.
	 *
	 * @return array<int, array{code: string, problem: string, fix: string}>
	 */
	public function problems() {
		$found    = array();
		$contract = $this->contract_problem();
		if ( null !== $contract ) {
			$found[] = $contract;
		}
		if ( '' === $this->config->sidecar_url() ) {
			$found[] = $this->problem( 'no_url', __( 'Не задан адрес сайдкара Whieda.', 'whieda-bridge' ), __( 'Добавьте в wp-config.php define( \'WHIEDA_SIDECAR_URL\', \'http://127.0.0.1:8765\' ) — адрес WHIEDA_LISTEN из sidecar.env — или укажите его в Настройки → Whieda.', 'whieda-bridge' ) );
		}
		if ( '' === $this->config->secret() ) {
			$found[] = $this->problem( 'no_secret', __( 'Не задан общий секрет Whieda.', 'whieda-bridge' ), __( 'Добавьте в wp-config.php define( \'WHIEDA_SECRET\', \'…\' ) со значением WHIEDA_SECRET из sidecar.env сайдкара.', 'whieda-bridge' ) );
		}
		$health = $this->sidecar();
		if ( null === $health ) {
			return $found;
		}
		if ( 0 === $health['status'] ) {
			/* translators: %s: the connection error. */
			$found[] = $this->problem( 'unreachable', sprintf( __( 'Сайдкар Whieda недоступен: %s', 'whieda-bridge' ), $health['error'] ), __( 'Вызовы сохраняются в очередь и будут доставлены, когда сайдкар вернётся. Запустите его (systemctl start whieda-sidecar) и проверьте, что WHIEDA_SIDECAR_URL совпадает с WHIEDA_LISTEN из sidecar.env.', 'whieda-bridge' ) );
			return $found;
		}
		$data = is_array( $health['data'] ) ? $health['data'] : array();
		if ( isset( $data['signed'] ) && false === $data['signed'] ) {
			$found[] = $this->problem( 'secret_differs', __( 'Секрет Whieda в WordPress не совпадает с секретом сайдкара: сайдкар отклоняет каждый вызов.', 'whieda-bridge' ), __( 'Скопируйте значение WHIEDA_SECRET из sidecar.env в define( \'WHIEDA_SECRET\', \'…\' ) в wp-config.php (или наоборот) и перезапустите сайдкар.', 'whieda-bridge' ) );
		}
		$schema = isset( $data['schema'] ) && is_int( $data['schema'] ) ? $data['schema'] : null;
		if ( null !== $schema && $schema < self::SIDECAR_SCHEMA ) {
			/* translators: 1: the sidecar's schema version, 2: the one this plugin needs. */
			$found[] = $this->problem( 'sidecar_older', sprintf( __( 'Сайдкар Whieda старше плагина: схема его таблиц — версия %1$d, плагину нужна %2$d.', 'whieda-bridge' ), $schema, self::SIDECAR_SCHEMA ), __( 'Обновите сайдкар: git pull && make install в его каталоге, затем systemctl restart whieda-sidecar (таблицы обновятся при запуске).', 'whieda-bridge' ) );
		} elseif ( null !== $schema && $schema > self::SIDECAR_SCHEMA ) {
			/* translators: 1: the sidecar's schema version, 2: the one this plugin is made for. */
			$found[] = $this->problem( 'sidecar_newer', sprintf( __( 'Сайдкар Whieda новее плагина: схема его таблиц — версия %1$d, плагин рассчитан на %2$d.', 'whieda-bridge' ), $schema, self::SIDECAR_SCHEMA ), __( 'Обновите плагин до версии из того же выпуска, что и сайдкар (make dist, затем Плагины → Добавить новый → Загрузить).', 'whieda-bridge' ) );
		}
		return $found;
	}

	/**
	 * The contract missing or unreadable (activation refuses then), or null.
	 *
	 * @return array{code: string, problem: string, fix: string}|null
	 */
	public function contract_problem() {
		$problem = $this->contract->problem();
		if ( '' === $problem ) {
			return null;
		}
		return $this->problem( 'contracts', __( 'Whieda не может работать: ', 'whieda-bridge' ) . $problem . '.', __( 'Установите плагин из архива dist/whieda-bridge.zip (make dist): в нём есть папка contracts/. Или укажите папку контракта в wp-config.php: define( \'WHIEDA_CONTRACTS_DIR\', \'…/contracts\' ).', 'whieda-bridge' ) );
	}

	/** The admin notice on the plugin's screens (its settings and the plugins list). */
	public function notice() {
		$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		if ( ! $screen || ! in_array( $screen->id, array( 'settings_page_whieda', 'plugins' ), true ) || ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$problems = $this->problems();
		if ( array() === $problems ) {
			return;
		}
		echo '<div class="notice notice-error whieda-problems">';
		foreach ( $problems as $problem ) {
			printf( '<p data-problem="%s"><strong>%s</strong> %s</p>', esc_attr( $problem['code'] ), esc_html( $problem['problem'] ), esc_html( $problem['fix'] ) );
		}
		echo '</div>';
	}

	private function problem( $code, $problem, $fix ) {
		return array(
			'code'    => $code,
			'problem' => $problem,
			'fix'     => $fix,
		);
	}
}
