<?php
/**
 * The forwarder: every inbound hook of the contract goes to the sidecar.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * A do_action of an inbound hook is only noted while the page runs. At shutdown, once the
 * response has gone to the visitor, the page's calls are written to the outbox in one statement
 * and the sidecar is woken with one UDP datagram: the php-fpm worker waits for no network. The
 * sidecar then pulls the outbox in order through the signed route Whieda_Outbox_Route, which
 * also fires the actions it emitted (each once) and deletes what it has. Under the CLI (WP-CLI,
 * system cron) no visitor waits and no php-fpm worker is held, so the calls go to the sidecar
 * at once, unless earlier calls still wait in the outbox. WP-Cron replays the outbox every minute
 * too (and `make replay` and the settings screen at once), so a sidecar that never pulls still
 * gets every call.
 */
class Whieda_Forwarder {

	/** Seconds a cron or manual replay may run. */
	const REPLAY_BUDGET = 20.0;

	/** Longest wait between replays of one call, in seconds. */
	const MAX_BACKOFF = 300;

	/** @var Whieda_Config */
	private $config;

	/** @var Whieda_Contract */
	private $contract;

	/** @var Whieda_Sidecar_Client */
	private $client;

	/** @var Whieda_Outbox */
	private $outbox;

	/** @var Whieda_Breaker */
	private $breaker;

	/** @var Whieda_Emitter */
	private $emitter;

	/** @var array[] Calls noted during this request: {event_id, hook, body}. */
	private $queue = array();

	/** @var bool Whether the response has been handed to the visitor. */
	private $response_sent = false;

	/** @var bool Whether this process delivers its calls itself (CLI) instead of leaving them to the sidecar's pull. */
	private $push;

	public function __construct( Whieda_Config $config, Whieda_Contract $contract, Whieda_Sidecar_Client $client, Whieda_Outbox $outbox, Whieda_Breaker $breaker, Whieda_Emitter $emitter ) {
		$this->config   = $config;
		$this->contract = $contract;
		$this->client   = $client;
		$this->outbox   = $outbox;
		$this->breaker  = $breaker;
		$this->emitter  = $emitter;
		$this->push     = 'cli' === PHP_SAPI;
	}

	/**
	 * Notes one call; cheap, so the page does not wait. Never changes the arguments.
	 *
	 * @param string $hook Hook name.
	 * @param array  $args Positional arguments of the do_action call.
	 */
	public function note( $hook, $args ) {
		if ( $this->emitter->is_firing( $hook ) ) {
			return; // The sidecar emitted this call and has already dispatched it.
		}
		$names    = $this->contract->inbound()[ $hook ];
		$event_id = 'event_id' === $names[0] && isset( $args[0] ) && is_string( $args[0] ) && '' !== $args[0] ? $args[0] : wp_generate_uuid4();
		$envelope = array(
			'event_id' => $event_id,
			'hook'     => $hook,
			// A PHP empty array would encode as [], but an empty context is an object.
			'args'     => array_map(
				function ( $arg ) {
					return array() === $arg ? new stdClass() : $arg;
				},
				$args
			),
			'fired_at' => time(),
		);
		$this->queue[] = array(
			'event_id' => $event_id,
			'hook'     => $hook,
			'body'     => (string) wp_json_encode( $envelope ),
		);
	}

	/**
	 * The body of a stored call as it goes to the sidecar: with what WordPress resolves for it
	 * (the webinar, contacts, schedule). Resolved when the call leaves, not on the page: looking up
	 * posts and users is not the page's work.
	 *
	 * @param string $hook Hook name.
	 * @param string $body The stored JSON body {event_id, hook, args, fired_at}.
	 * @return string
	 */
	public function outgoing_body( $hook, $body ) {
		$envelope = json_decode( $body ); // Objects stay objects: an empty context must not become [].
		$plain    = json_decode( $body, true );
		if ( ! $envelope instanceof stdClass || ! is_array( $plain ) || ! isset( $plain['args'] ) || ! is_array( $plain['args'] ) || isset( $plain['resolved'] ) ) {
			return $body; // Not ours to change: the sidecar judges it as stored.
		}
		/**
		 * Filters what the plugin resolves in WordPress for the sidecar about one call
		 * (the webinar, contacts, schedule). It travels beside the arguments, never inside them.
		 * Runs when the call leaves for the sidecar, after the visitor has the response.
		 *
		 * @param array  $resolved Empty by default.
		 * @param string $hook     Hook name.
		 * @param array  $args     Positional arguments (as JSON carries them).
		 */
		$resolved = apply_filters( 'whieda_resolved', array(), $hook, $plain['args'] );
		if ( ! is_array( $resolved ) || array() === $resolved ) {
			return $body;
		}
		$envelope->resolved = $resolved;
		return (string) wp_json_encode( $envelope );
	}

	/**
	 * Shutdown: hand the response over, store what this request noted (one INSERT) and wake the
	 * sidecar, which pulls it. Under the CLI, deliver it now instead.
	 */
	public function flush() {
		if ( array() === $this->queue ) {
			return;
		}
		if ( $this->push ) {
			while ( array() !== $this->queue ) {
				$this->deliver( array_shift( $this->queue ) ); // Emits fired here may note more calls.
			}
			return;
		}
		$this->send_response_first();
		$calls       = $this->queue;
		$this->queue = array();
		if ( $this->outbox->add_calls( $calls ) ) {
			if ( $this->config->is_configured() ) {
				$this->client->wake();
			}
			return;
		}
		// The database refused the outbox: rather than lose the calls, send them the direct way.
		global $wpdb;
		Whieda_Log::write( sprintf( 'could not store %d call(s) in the outbox (%s); sending them to the sidecar directly', count( $calls ), $wpdb->last_error ) );
		foreach ( $calls as $call ) {
			$this->deliver( $call );
		}
	}

	/**
	 * The operator's retry of refused calls: back in the queue, and on their way at once.
	 *
	 * @return int How many.
	 */
	public function requeue_failed() {
		$count = $this->outbox->requeue_failed();
		if ( $count > 0 && $this->config->is_configured() ) {
			if ( $this->push ) {
				$this->replay( true );
			} else {
				$this->client->wake();
			}
		}
		return $count;
	}

	/**
	 * Replays the outbox in order. WP-Cron calls it with no argument (backoff applies);
	 * `make replay` and the settings screen force it (every pending call, now).
	 *
	 * @param bool  $force  Ignore the breaker and each call's backoff.
	 * @param float $budget Seconds this replay may run.
	 * @return int Calls delivered.
	 */
	public function replay( $force = false, $budget = self::REPLAY_BUDGET ) {
		$force = true === $force;
		if ( ! $this->config->is_configured() || ( ! $force && ! $this->breaker->allows() ) || ! $this->outbox->lock() ) {
			return 0;
		}
		$delivered = 0;
		$deadline  = microtime( true ) + (float) $budget;
		try {
			while ( microtime( true ) < $deadline ) {
				$rows = $this->outbox->pending( 50 );
				if ( array() === $rows ) {
					break;
				}
				foreach ( $rows as $row ) {
					if ( ! $force && strtotime( $row->next_attempt_at . ' UTC' ) > time() ) {
						break 2; // The head waits for its backoff; nothing may overtake it.
					}
					list( $outcome, $error ) = $this->send( $row->hook, $row->event_id, $row->body );
					if ( 'ok' === $outcome ) {
						$this->outbox->delete( $row->id );
						++$delivered;
					} elseif ( 'refused' === $outcome ) {
						$this->outbox->fail( $row, $error );
					} else {
						$this->outbox->retry_later( $row, $this->backoff( (int) $row->attempts + 1 ), $error );
						break 2;
					}
				}
			}
		} finally {
			$this->outbox->unlock();
		}
		return $delivered;
	}

	/**
	 * Delivers one call noted by this request (CLI, or the outbox refused), or stores it in the outbox.
	 *
	 * @param array $call {event_id, hook, body}.
	 */
	private function deliver( $call ) {
		$wait = $this->reason_to_wait();
		if ( null !== $wait ) {
			$this->outbox->add( $call['event_id'], $call['hook'], $call['body'], Whieda_Outbox::PENDING, $wait, 0 );
			return;
		}
		list( $outcome, $error ) = $this->send( $call['hook'], $call['event_id'], $call['body'] );
		if ( 'ok' !== $outcome ) {
			$status = 'refused' === $outcome ? Whieda_Outbox::FAILED : Whieda_Outbox::PENDING;
			$this->outbox->add( $call['event_id'], $call['hook'], $call['body'], $status, $error, 1 );
		}
	}

	/**
	 * Posts one call to the sidecar and does what its answer means, for replay() and deliver() alike:
	 * ok closes the breaker and fires the emits; refused is logged; unavailable opens the breaker. The
	 * caller keeps the outbox row in step.
	 *
	 * @param string $hook     Hook name.
	 * @param string $event_id The call's event id, for the log.
	 * @param string $body     The stored JSON body.
	 * @return array{0: string, 1: string} The outcome ('ok', 'refused' or 'unavailable') and why it did not go.
	 */
	private function send( $hook, $event_id, $body ) {
		$result = $this->client->post_hook( $hook, $this->outgoing_body( $hook, $body ) );
		$error  = Whieda_Sidecar_Client::describe( $result );
		if ( 'ok' === $result['outcome'] ) {
			$this->breaker->success();
			$this->emitter->fire_all_once( $result['data']['emit'] ?? array() );
		} elseif ( 'refused' === $result['outcome'] ) {
			Whieda_Log::write( sprintf( '%s %s refused by the sidecar: %s', $hook, $event_id, $error ) );
		} else {
			$this->breaker->failure();
		}
		return array( $result['outcome'], $error );
	}

	/**
	 * Why a new call must wait in the outbox instead of going now; null if it may go.
	 *
	 * @return string|null
	 */
	private function reason_to_wait() {
		if ( ! $this->config->is_configured() ) {
			return __( 'сайдкар не настроен', 'whieda-bridge' );
		}
		if ( $this->outbox->has_pending() ) {
			return ''; // Not an error: earlier calls wait, and this one queues behind them.
		}
		if ( ! $this->breaker->allows() ) {
			return __( 'сайдкар недоступен (автомат разомкнут)', 'whieda-bridge' );
		}
		return null;
	}

	/** Under php-fpm, finish the visitor's response before any network call. */
	private function send_response_first() {
		if ( ! $this->response_sent && function_exists( 'fastcgi_finish_request' ) && 'fpm-fcgi' === PHP_SAPI ) {
			fastcgi_finish_request();
		}
		$this->response_sent = true;
	}

	/**
	 * Seconds before the next replay of a call tried $attempts times.
	 *
	 * @param int $attempts Deliveries tried.
	 * @return int
	 */
	public function backoff( $attempts ) {
		return (int) min( self::MAX_BACKOFF, 2 ** min( $attempts, 10 ) );
	}
}
