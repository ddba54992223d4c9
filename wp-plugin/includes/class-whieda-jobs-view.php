<?php
/**
 * Settings → Whieda, "Запланированные задания": the sidecar's pending and failed jobs, with a retry.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Lists what the sidecar will do (Telegram messages with their scenario and chat, reminders, emits to
 * WordPress) and what failed, like Action Scheduler's list; a failed job can be run again. It reads the
 * sidecar's {prefix}whieda_jobs through $wpdb, read-only (one database, and the screen works while the
 * sidecar is down); the retry is asked of the sidecar, the table's one owner, through its signed
 * POST /v1/jobs/{id}/retry (what `python -m sidecar jobs --retry ID` does), and the notice says what it
 * answered. Capability manage_options and a nonce per job.
 */
class Whieda_Jobs_View {

	const ACTION = 'whieda_job_retry';
	const LIMIT  = 50;

	/** @var Whieda_Sidecar_Client */
	private $client;

	public function __construct( Whieda_Sidecar_Client $client ) {
		$this->client = $client;
	}

	private static function table() {
		global $wpdb;
		return $wpdb->prefix . 'whieda_jobs';
	}

	/**
	 * Pending / running and failed jobs, failed first; null when the table is not there yet.
	 *
	 * @return array|null
	 */
	public function jobs() {
		global $wpdb;
		$suppress = $wpdb->suppress_errors( true ); // Before the sidecar's first start the table is not there yet.
		$found    = $wpdb->get_results( $wpdb->prepare( 'SELECT id, kind, payload, status, run_at, attempts, last_error FROM ' . self::table() . " WHERE status IN ('pending', 'running', 'failed') ORDER BY status = 'failed' DESC, run_at, id LIMIT %d", self::LIMIT ) ); // phpcs:ignore WordPress.DB
		$wpdb->suppress_errors( $suppress );
		return '' === $wpdb->last_error ? $found : null;
	}

	/**
	 * What a job is about, in a few words.
	 *
	 * @param object $job Row.
	 * @return string
	 */
	public static function describe( $job ) {
		$data = json_decode( (string) $job->payload, true );
		$data = is_array( $data ) ? $data : array();
		if ( 'telegram' === $job->kind ) {
			/* translators: 1: scenario, 2: template, 3: chat id. */
			return sprintf( __( 'Сообщение %1$s / %2$s в чат %3$s', 'whieda-bridge' ), $data['scenario'] ?? '?', $data['template'] ?? '?', $data['chat_id'] ?? '?' );
		}
		if ( 'reminder' === $job->kind ) {
			/* translators: 1: webinar id, 2: lead id, 3: seconds before the start. */
			return sprintf( __( 'Напоминание: вебинар %1$s, лид %2$s, за %3$d с до начала', 'whieda-bridge' ), $data['webinar_id'] ?? '?', $data['lead_id'] ?? '?', (int) ( $data['offset'] ?? 0 ) );
		}
		if ( 'emit' === $job->kind ) {
			/* translators: %s: hook name. */
			return sprintf( __( 'Действие %s в WordPress', 'whieda-bridge' ), $data['hook'] ?? '?' );
		}
		if ( 'attendance_sweep' === $job->kind ) {
			/* translators: %s: webinar id. */
			return sprintf( __( 'Итоги посещения: вебинар %s', 'whieda-bridge' ), $data['webinar_id'] ?? '?' );
		}
		if ( 'wp_cache_delete' === $job->kind ) {
			return __( 'Очистка объектного кеша WordPress', 'whieda-bridge' );
		}
		if ( 'funnel_rebuild' === $job->kind ) {
			return __( 'Пересчёт воронки записи после удаления пользователей', 'whieda-bridge' );
		}
		return (string) $job->kind;
	}

	public function render() {
		$view = array(
			'jobs'   => $this->jobs(),
			'notice' => isset( $_GET['whieda_job'] ) ? sanitize_key( wp_unslash( $_GET['whieda_job'] ) ) : '', // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		);
		require WHIEDA_BRIDGE_DIR . '/templates/admin-jobs.php';
	}

	public function handle_retry() {
		if ( ! current_user_can( Whieda_Admin::CAPABILITY ) ) {
			wp_die( esc_html__( 'Недостаточно прав.', 'whieda-bridge' ), 403 );
		}
		$job = isset( $_POST['job'] ) ? absint( $_POST['job'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked next.
		check_admin_referer( self::ACTION . '_' . $job );
		$result = $this->client->retry_job( $job );
		$notice = self::notice_of( $result );
		if ( 'retried' !== $notice ) {
			Whieda_Log::write( sprintf( 'job %d not retried: %s', $job, Whieda_Sidecar_Client::describe( $result ) ) );
		}
		wp_safe_redirect( add_query_arg( array( 'page' => Whieda_Admin::PAGE, 'whieda_job' => $notice ), admin_url( 'options-general.php' ) ) . '#whieda-jobs' );
		exit;
	}

	/**
	 * The notice the screen shows for the sidecar's answer to a retry.
	 *
	 * @param array $result Whieda_Sidecar_Client::retry_job()'s answer.
	 * @return string retried, unchanged (not failed), unknown (no such job), unavailable or refused.
	 */
	private static function notice_of( $result ) {
		if ( 'ok' === $result['outcome'] ) {
			return 'retried';
		}
		if ( 'unavailable' === $result['outcome'] ) {
			return 'unavailable';
		}
		return array( 409 => 'unchanged', 404 => 'unknown' )[ $result['status'] ] ?? 'refused';
	}
}
