<?php
/**
 * Tools → Site Health: the sidecar's health and the outbox, next to WordPress's own checks.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Two direct tests and a section of the Info tab. The secret is never shown.
 */
class Whieda_Site_Health {

	/** A pending call older than this (seconds) means the outbox is not draining. */
	const STALE_BACKLOG = 600;

	/** @var Whieda_Config */
	private $config;

	/** @var Whieda_Outbox */
	private $outbox;

	/** @var Whieda_Breaker */
	private $breaker;

	/** @var Whieda_Health */
	private $health;

	public function __construct( Whieda_Config $config, Whieda_Outbox $outbox, Whieda_Breaker $breaker, Whieda_Health $health ) {
		$this->config  = $config;
		$this->outbox  = $outbox;
		$this->breaker = $breaker;
		$this->health  = $health;
	}

	/**
	 * @param array $tests Site Health tests.
	 * @return array
	 */
	public function add_tests( $tests ) {
		$tests['direct']['whieda_sidecar'] = array(
			'label' => __( 'Сайдкар Whieda', 'whieda-bridge' ),
			'test'  => array( $this, 'test_sidecar' ),
		);
		$tests['direct']['whieda_outbox'] = array(
			'label' => __( 'Очередь вызовов Whieda', 'whieda-bridge' ),
			'test'  => array( $this, 'test_outbox' ),
		);
		return $tests;
	}

	/** @return array A Site Health result: critical, naming the fix, while anything stops the bridge. */
	public function test_sidecar() {
		$problems = $this->health->problems();
		if ( array() !== $problems ) {
			$said = array();
			foreach ( $problems as $problem ) {
				$said[] = $problem['problem'] . ' ' . $problem['fix'];
			}
			return $this->result( 'whieda_sidecar', 'critical', $problems[0]['problem'], $said );
		}
		$health = $this->health->sidecar();
		if ( $health['ok'] ) {
			return $this->result( 'whieda_sidecar', 'good', __( 'Сайдкар Whieda работает', 'whieda-bridge' ), __( 'База данных, memcached, очередь заданий и фоновый обработчик в порядке.', 'whieda-bridge' ) );
		}
		$failing = array();
		foreach ( (array) ( $health['data']['checks'] ?? array() ) as $name => $check ) {
			if ( empty( $check['ok'] ) ) {
				$failing[] = $name . ( empty( $check['error'] ) ? '' : ': ' . $check['error'] );
			}
		}
		$why = $failing ? implode( '; ', $failing ) : 'HTTP ' . $health['status'];
		/* translators: %s: what failed. */
		return $this->result( 'whieda_sidecar', 'critical', __( 'Сайдкар Whieda недоступен или неисправен', 'whieda-bridge' ), sprintf( __( 'Вызовы сохраняются в очередь и будут доставлены, когда сайдкар вернётся. Причина: %s', 'whieda-bridge' ), $why ) );
	}

	/** @return array A Site Health result. */
	public function test_outbox() {
		$counts = $this->outbox->counts();
		$age    = $counts['oldest'] ? time() - strtotime( $counts['oldest'] . ' UTC' ) : 0;
		if ( $this->breaker->is_open() ) {
			return $this->result( 'whieda_outbox', 'critical', __( 'Автомат защиты Whieda разомкнут', 'whieda-bridge' ), __( 'Сайдкар несколько раз подряд не ответил; вызовы копятся в очереди.', 'whieda-bridge' ) );
		}
		if ( $counts['failed'] > 0 || $age > self::STALE_BACKLOG ) {
			/* translators: 1: pending calls, 2: refused calls. */
			return $this->result( 'whieda_outbox', 'recommended', __( 'В очереди Whieda есть недоставленные вызовы', 'whieda-bridge' ), sprintf( __( 'Ожидают отправки: %1$d. Отклонены сайдкаром: %2$d. Подробности и повтор — в Настройки → Whieda.', 'whieda-bridge' ), $counts['pending'], $counts['failed'] ) );
		}
		return $this->result( 'whieda_outbox', 'good', __( 'Очередь вызовов Whieda пуста', 'whieda-bridge' ), __( 'Все вызовы доставлены сайдкару.', 'whieda-bridge' ) );
	}

	/**
	 * @param array $info Site Health Info sections.
	 * @return array
	 */
	public function add_info( $info ) {
		$counts                 = $this->outbox->counts();
		$breaker                = $this->breaker->state();
		$info['whieda-bridge'] = array(
			'label'  => __( 'Whieda: мост вебинаров', 'whieda-bridge' ),
			'fields' => array(
				'version'     => array( 'label' => __( 'Версия', 'whieda-bridge' ), 'value' => WHIEDA_BRIDGE_VERSION ),
				'sidecar_url' => array( 'label' => __( 'Адрес сайдкара', 'whieda-bridge' ), 'value' => $this->config->sidecar_url() ),
				'secret'      => array( 'label' => __( 'Общий секрет', 'whieda-bridge' ), 'value' => '' === $this->config->secret() ? __( 'не задан', 'whieda-bridge' ) : __( 'задан', 'whieda-bridge' ), 'private' => true ),
				'outbox'      => array( 'label' => __( 'Очередь: ожидают / отклонены', 'whieda-bridge' ), 'value' => $counts['pending'] . ' / ' . $counts['failed'] ),
				'breaker'     => array( 'label' => __( 'Ошибок подряд', 'whieda-bridge' ), 'value' => (string) $breaker['failures'] ),
			),
		);
		return $info;
	}

	/**
	 * @param string          $test        Test id.
	 * @param string          $status      good, recommended or critical.
	 * @param string          $label       The headline.
	 * @param string|string[] $description One paragraph or several.
	 * @return array
	 */
	private function result( $test, $status, $label, $description ) {
		return array(
			'test'        => $test,
			'status'      => $status,
			'label'       => $label,
			'badge'       => array(
				'label' => __( 'Whieda', 'whieda-bridge' ),
				'color' => 'good' === $status ? 'blue' : 'red',
			),
			'description' => '<p>' . implode( '</p><p>', array_map( 'esc_html', (array) $description ) ) . '</p>',
			'actions'     => sprintf( '<p><a href="%s">%s</a></p>', esc_url( admin_url( 'options-general.php?page=whieda' ) ), esc_html__( 'Настройки Whieda', 'whieda-bridge' ) ),
		);
	}
}
