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
 * sidecar's {prefix}whieda_jobs through $wpdb, as the room state route reads {prefix}whieda_rooms (one
 * database, and the screen works while the sidecar is down); the retry is a single guarded UPDATE of a
 * failed row back to pending — the state `python -m sidecar jobs --retry ID` sets too. Capability
 * manage_options and a nonce per job.
 */
class Whieda_Jobs_View {

	const ACTION = 'whieda_job_retry';
	const LIMIT  = 50;

	public function register() {
		add_action( 'whieda_admin_sections', array( $this, 'render' ) );
		add_action( 'admin_post_' . self::ACTION, array( $this, 'handle_retry' ) );
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
		return (string) $job->kind;
	}

	public function render() {
		$jobs     = $this->jobs();
		$statuses = array(
			'pending' => __( 'ожидает', 'whieda-bridge' ),
			'running' => __( 'выполняется', 'whieda-bridge' ),
			'failed'  => __( 'ошибка', 'whieda-bridge' ),
		);
		echo '<h2 id="whieda-jobs">' . esc_html__( 'Запланированные задания', 'whieda-bridge' ) . '</h2>';
		if ( isset( $_GET['whieda_job'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
			$retried = 'retried' === sanitize_key( wp_unslash( $_GET['whieda_job'] ) ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended
			echo '<div class="notice ' . ( $retried ? 'notice-success' : 'notice-warning' ) . ' is-dismissible"><p>'
				. esc_html( $retried ? __( 'Задание запущено снова.', 'whieda-bridge' ) : __( 'Задание уже не в ошибке: ничего не изменено.', 'whieda-bridge' ) )
				. '</p></div>';
		}
		if ( null === $jobs ) {
			echo '<p>' . esc_html__( 'Таблицы заданий ещё нет: сайдкар создаст её при первом запуске.', 'whieda-bridge' ) . '</p>';
			return;
		}
		if ( array() === $jobs ) {
			echo '<p class="whieda-jobs-empty">' . esc_html__( 'Нет ожидающих заданий и заданий с ошибкой.', 'whieda-bridge' ) . '</p>';
			return;
		}
		echo '<table class="widefat striped whieda-jobs"><thead><tr>';
		foreach ( array( __( '№', 'whieda-bridge' ), __( 'Задание', 'whieda-bridge' ), __( 'Статус', 'whieda-bridge' ), __( 'Когда (UTC)', 'whieda-bridge' ), __( 'Попыток', 'whieda-bridge' ), __( 'Ошибка', 'whieda-bridge' ), '' ) as $title ) {
			echo '<th scope="col">' . esc_html( $title ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		foreach ( $jobs as $job ) {
			echo '<tr data-job="' . esc_attr( $job->id ) . '" data-status="' . esc_attr( $job->status ) . '">';
			echo '<td>' . esc_html( $job->id ) . '</td><td>' . esc_html( self::describe( $job ) ) . '</td>';
			echo '<td>' . esc_html( $statuses[ $job->status ] ?? $job->status ) . '</td><td>' . esc_html( substr( (string) $job->run_at, 0, 19 ) ) . '</td>';
			echo '<td>' . esc_html( $job->attempts ) . '</td><td>' . esc_html( (string) $job->last_error ) . '</td><td>';
			if ( 'failed' === $job->status ) {
				echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">'
					. '<input type="hidden" name="action" value="' . esc_attr( self::ACTION ) . '">'
					. '<input type="hidden" name="job" value="' . esc_attr( $job->id ) . '">'
					. wp_nonce_field( self::ACTION . '_' . $job->id, '_wpnonce', true, false )
					. get_submit_button( __( 'Повторить', 'whieda-bridge' ), 'secondary small', 'whieda-job-retry', false )
					. '</form>';
			}
			echo '</td></tr>';
		}
		echo '</tbody></table>';
	}

	public function handle_retry() {
		if ( ! current_user_can( Whieda_Admin::CAPABILITY ) ) {
			wp_die( esc_html__( 'Недостаточно прав.', 'whieda-bridge' ), 403 );
		}
		$job = isset( $_POST['job'] ) ? absint( $_POST['job'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked next.
		check_admin_referer( self::ACTION . '_' . $job );
		global $wpdb;
		$now  = gmdate( 'Y-m-d H:i:s' );
		$done = $wpdb->query( $wpdb->prepare( 'UPDATE ' . self::table() . " SET status = 'pending', attempts = 0, run_at = %s, updated_at = %s WHERE id = %d AND status = 'failed'", $now, $now, $job ) ); // phpcs:ignore WordPress.DB
		wp_safe_redirect( add_query_arg( array( 'page' => Whieda_Admin::PAGE, 'whieda_job' => 1 === $done ? 'retried' : 'unchanged' ), admin_url( 'options-general.php' ) ) . '#whieda-jobs' );
		exit;
	}
}
