<?php
/**
 * The route the sidecar pulls the outbox through: POST /wp-json/whieda/v1/outbox.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * One exchange (contracts/outbox-exchange.json): the sidecar, signed like every bridge call,
 * says what became of the calls it took last time, and gets the next ones, oldest first.
 * - delivered: the sidecar applied it (or had it already); its emits are fired here, each event
 *   id once, then the row is deleted;
 * - refused: the sidecar will never accept it as sent; the row waits for an operator;
 * - failed: the sidecar could not apply it now; the row waits for its backoff and no call is
 *   handed out, so nothing overtakes it.
 * The answer (contracts/outbox-batch.json) is signed too, so the sidecar applies only calls this
 * site stored. The plugin alone writes its table: the sidecar never reads it (ARCHITECTURE §6), and
 * asks the backlog for its /metrics through the signed POST /wp-json/whieda/v1/outbox/backlog.
 */
class Whieda_Outbox_Route {

	/** Most calls handed out in one answer. */
	const MAX_BATCH = 100;

	/** Seconds a handed-out call is left to the sidecar before WP-Cron's replay may send it too. */
	const LEASE = 30;

	/** Seconds an exchange waits for a replay that holds the outbox (one call's timeout or so). */
	const LOCK_WAIT = 2;

	/** @var Whieda_Config */
	private $config;

	/** @var Whieda_Outbox */
	private $outbox;

	/** @var Whieda_Forwarder */
	private $forwarder;

	/** @var Whieda_Breaker */
	private $breaker;

	/** @var Whieda_Emitter */
	private $emitter;

	public function __construct( Whieda_Config $config, Whieda_Outbox $outbox, Whieda_Forwarder $forwarder, Whieda_Breaker $breaker, Whieda_Emitter $emitter ) {
		$this->config    = $config;
		$this->outbox    = $outbox;
		$this->forwarder = $forwarder;
		$this->breaker   = $breaker;
		$this->emitter   = $emitter;
	}

	public function register_routes() {
		Whieda_Signer::register_signed_route( '/outbox', array( $this, 'handle' ), $this->config );
		Whieda_Signer::register_signed_route( '/outbox/backlog', array( $this, 'backlog' ), $this->config );
	}

	/**
	 * POST /wp-json/whieda/v1/outbox/backlog: how many calls wait, for the sidecar's /metrics (the
	 * sidecar asks; it never reads this table).
	 *
	 * @return array{pending: int, failed: int}
	 */
	public function backlog() {
		$counts = $this->outbox->counts();
		return array(
			'pending' => $counts['pending'],
			'failed'  => $counts['failed'],
		);
	}

	/**
	 * @param WP_REST_Request $request Request.
	 * @return array|WP_Error
	 */
	public function handle( WP_REST_Request $request ) {
		$body = $this->parse( $request->get_body() );
		if ( is_wp_error( $body ) ) {
			Whieda_Log::write( 'outbox route refused an exchange: ' . $body->get_error_message() );
			return $body;
		}
		if ( ! $this->outbox->lock( self::LOCK_WAIT ) ) {
			return new WP_Error( 'whieda_outbox_busy', __( 'Очередь сейчас отправляет повтор; попробуйте через секунду.', 'whieda-bridge' ), array( 'status' => 409 ) );
		}
		try {
			$rows = $this->outbox->by_ids( array_merge( wp_list_pluck( $body['delivered'], 'id' ), wp_list_pluck( $body['refused'], 'id' ), null === $body['failed'] ? array() : array( $body['failed']['id'] ) ) );
			$delivered = array();
			foreach ( $body['delivered'] as $done ) {
				if ( isset( $rows[ $done['id'] ] ) ) {
					$this->emitter->fire_all_once( $done['emit'] ); // Each emit id recorded as it fires: a repeat fires nothing twice.
					$delivered[] = $done['id'];
				}
			}
			$this->outbox->delete_many( $delivered ); // One statement; rows left by a crash come back as duplicates.
			foreach ( $body['refused'] as $refused ) {
				if ( isset( $rows[ $refused['id'] ] ) ) {
					$row = $rows[ $refused['id'] ];
					$this->outbox->fail( $row, $refused['error'] );
					Whieda_Log::write( sprintf( '%s %s refused by the sidecar: %s', $row->hook, $row->event_id, $refused['error'] ) );
				}
			}
			if ( array() !== $body['delivered'] || array() !== $body['refused'] ) {
				$this->breaker->success();
			}
			$calls = array();
			if ( null !== $body['failed'] ) {
				if ( isset( $rows[ $body['failed']['id'] ] ) ) {
					$row = $rows[ $body['failed']['id'] ];
					$this->outbox->retry_later( $row, $this->forwarder->backoff( (int) $row->attempts + 1 ), $body['failed']['error'] );
				}
			} else {
				foreach ( $this->outbox->pending( $body['limit'] ) as $row ) {
					$calls[] = array(
						'id'   => (int) $row->id,
						'hook' => $row->hook,
						'body' => $this->forwarder->outgoing_body( $row->hook, $row->body ),
					);
				}
				$this->outbox->lease( wp_list_pluck( $calls, 'id' ), self::LEASE );
			}
		} finally {
			$this->outbox->unlock();
		}
		$batch  = (string) wp_json_encode( array( 'calls' => $calls ) );
		$signed = ( new Whieda_Signer( $this->config->secret() ) )->headers( $batch );
		return array(
			'batch'     => $batch,
			'timestamp' => $signed['X-Whieda-Timestamp'],
			'signature' => $signed['X-Whieda-Signature'],
		);
	}

	/**
	 * The exchange's body, checked (contracts/outbox-exchange.json), with defaults filled in.
	 *
	 * @param string $raw Raw body.
	 * @return array|WP_Error
	 */
	private function parse( $raw ) {
		$body = json_decode( $raw, true );
		$bad  = function ( $why ) {
			/* translators: %s: what is wrong with the body. */
			return new WP_Error( 'whieda_bad_exchange', sprintf( __( 'Тело обмена очереди не по контракту: %s', 'whieda-bridge' ), $why ), array( 'status' => 400 ) );
		};
		if ( ! is_array( $body ) || ( array() !== $body && array_values( $body ) === $body ) ) {
			return $bad( 'not a JSON object' );
		}
		$unknown = array_diff( array_keys( $body ), array( 'delivered', 'refused', 'failed', 'limit' ) );
		if ( array() !== $unknown ) {
			return $bad( 'unknown field ' . implode( ', ', $unknown ) );
		}
		$body += array( 'delivered' => array(), 'refused' => array(), 'failed' => null, 'limit' => 50 );
		$is_id = function ( $item ) {
			return is_array( $item ) && isset( $item['id'] ) && is_int( $item['id'] ) && $item['id'] > 0;
		};
		if ( ! is_array( $body['delivered'] ) || count( $body['delivered'] ) > self::MAX_BATCH ) {
			return $bad( 'delivered must be a list of at most ' . self::MAX_BATCH );
		}
		foreach ( $body['delivered'] as $item ) {
			if ( ! $is_id( $item ) || ! isset( $item['emit'] ) || ! is_array( $item['emit'] ) ) {
				return $bad( 'each delivered item is {id, emit}' );
			}
		}
		if ( ! is_array( $body['refused'] ) || count( $body['refused'] ) > self::MAX_BATCH ) {
			return $bad( 'refused must be a list of at most ' . self::MAX_BATCH );
		}
		foreach ( array_merge( $body['refused'], null === $body['failed'] ? array() : array( $body['failed'] ) ) as $item ) {
			if ( ! $is_id( $item ) || ! isset( $item['error'] ) || ! is_string( $item['error'] ) ) {
				return $bad( 'each refused or failed item is {id, error}' );
			}
		}
		if ( ! is_int( $body['limit'] ) || $body['limit'] < 1 || $body['limit'] > self::MAX_BATCH ) {
			return $bad( 'limit must be 1 to ' . self::MAX_BATCH );
		}
		return $body;
	}
}
