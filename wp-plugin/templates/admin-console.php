<?php
/**
 * [whieda_live_admin]: the speaker's console. Variables: $view (see Whieda_Admin_Console::render()).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

if ( 'console' !== $view['state'] ) : ?>
	<div class="whieda-console whieda-console--<?php echo esc_attr( $view['state'] ); ?>">
		<?php if ( 'login' === $view['state'] ) : ?>
			<p class="whieda-notice"><?php esc_html_e( 'Управление вебинаром доступно спикерам и администраторам после входа на сайт.', 'whieda-bridge' ); ?></p>
			<p><a class="whieda-button" href="<?php echo esc_url( $view['login_url'] ); ?>"><?php esc_html_e( 'Войти', 'whieda-bridge' ); ?></a></p>
		<?php else : ?>
			<p class="whieda-notice whieda-notice--refused" role="alert"><?php esc_html_e( 'У вас нет прав управлять вебинарами. Эта страница — для спикеров и администраторов.', 'whieda-bridge' ); ?></p>
		<?php endif; ?>
	</div>
	<?php
	return;
endif;

$action  = admin_url( 'admin-post.php' );
$webinar = $view['webinar'];
$form    = function ( $command, $label, $class, $webinar_id, $extra = '' ) use ( $action ) {
	?>
	<form method="post" action="<?php echo esc_url( $action ); ?>" class="whieda-console__command">
		<input type="hidden" name="action" value="<?php echo esc_attr( Whieda_Admin_Console::ACTION ); ?>">
		<input type="hidden" name="command" value="<?php echo esc_attr( $command ); ?>">
		<input type="hidden" name="webinar_id" value="<?php echo esc_attr( (string) $webinar_id ); ?>">
		<?php wp_nonce_field( Whieda_Admin_Console::ACTION . '_' . $webinar_id ); ?>
		<button type="submit" class="<?php echo esc_attr( $class ); ?>" data-command="<?php echo esc_attr( $command ); ?>" <?php echo $extra; // phpcs:ignore WordPress.Security.EscapeOutput -- literal attributes. ?>><?php echo esc_html( $label ); ?></button>
	</form>
	<?php
};
$done_text = array(
	'save'     => __( 'Изменения сохранены.', 'whieda-bridge' ),
	'create'   => __( 'Вебинар создан как черновик: участники его пока не видят. Заполните поля, сохраните и опубликуйте.', 'whieda-bridge' ),
	'publish'  => __( 'Вебинар опубликован: он виден в расписании.', 'whieda-bridge' ),
	'start'    => __( 'Команда «начать эфир» отправлена.', 'whieda-bridge' ),
	'restart'  => __( 'Команда «начать эфир заново» отправлена.', 'whieda-bridge' ),
	'stop'     => __( 'Команда «завершить эфир» отправлена.', 'whieda-bridge' ),
	'cta_show' => __( 'Команда «показать кнопку» отправлена.', 'whieda-bridge' ),
	'cta_hide' => __( 'Команда «скрыть кнопку» отправлена.', 'whieda-bridge' ),
);
// Commands not sent, and why: said as a problem, not as a success.
$refusal_text = array(
	'cta_no_link'    => __( 'Кнопка не показана: у неё нет ссылки. Укажите «Ссылку кнопки действия» и нажмите «Показать кнопку» ещё раз.', 'whieda-bridge' ),
	'restart_needed' => __( 'Эфир уже завершён, и он не начат снова. Чтобы начать его заново, нажмите «Начать эфир заново» и подтвердите.', 'whieda-bridge' ),
);
$field_labels = array(
	'player_embed' => __( 'Плеер', 'whieda-bridge' ),
	'chat_embed'   => __( 'Чат', 'whieda-bridge' ),
	'presentation' => __( 'Презентация', 'whieda-bridge' ),
);
$preview = function ( $html ) {
	if ( '' !== trim( $html ) ) {
		echo '<div class="whieda-console__preview"><span class="whieda-hint">' . esc_html__( 'Так это увидят участники:', 'whieda-bridge' ) . '</span>';
		echo Whieda_Webinar_View::embed( $html ); // phpcs:ignore WordPress.Security.EscapeOutput -- kses'd.
		echo '</div>';
	}
};
?>
<div class="whieda-console">
	<h2 class="whieda-console__title"><?php esc_html_e( 'Управление вебинаром', 'whieda-bridge' ); ?></h2>
	<?php if ( $view['saved'] || isset( $done_text[ $view['done'] ] ) ) : ?>
		<p class="whieda-notice whieda-notice--done" role="status">
			<?php
			if ( $view['saved'] ) {
				echo esc_html( $done_text['save'] ) . ' ';
			}
			echo isset( $done_text[ $view['done'] ] ) && ! ( $view['saved'] && 'save' === $view['done'] ) ? esc_html( $done_text[ $view['done'] ] ) : '';
			?>
		</p>
	<?php endif; ?>
	<?php if ( isset( $refusal_text[ $view['done'] ] ) ) : ?>
		<p class="whieda-notice whieda-notice--refused" role="alert"><?php echo esc_html( $refusal_text[ $view['done'] ] ); ?></p>
	<?php endif; ?>
	<?php if ( array_filter( $view['removed'] ) ) : ?>
		<div class="whieda-notice whieda-notice--removed" role="alert">
			<p><?php esc_html_e( 'Из вставок убрано то, что сайт не показывает участникам:', 'whieda-bridge' ); ?></p>
			<ul>
				<?php foreach ( $view['removed'] as $field => $notes ) : ?>
					<?php foreach ( (array) $notes as $note ) : ?>
						<li><?php echo esc_html( ( $field_labels[ $field ] ?? $field ) . ': ' . $note ); ?></li>
					<?php endforeach; ?>
				<?php endforeach; ?>
			</ul>
		</div>
	<?php endif; ?>

	<div class="whieda-console__pick">
		<?php if ( $view['list'] ) : ?>
			<form method="get" class="whieda-console__select">
				<label for="whieda-console-webinar"><?php esc_html_e( 'Вебинар', 'whieda-bridge' ); ?></label>
				<select id="whieda-console-webinar" name="webinar">
					<?php foreach ( $view['list'] as $item ) : ?>
						<option value="<?php echo esc_attr( (string) $item->ID ); ?>" <?php selected( $webinar ? $webinar['id'] : 0, $item->ID ); ?>><?php echo esc_html( get_the_title( $item ) . ' (№' . $item->ID . ')' ); ?></option>
					<?php endforeach; ?>
				</select>
				<button type="submit" class="whieda-button whieda-button--secondary"><?php esc_html_e( 'Открыть', 'whieda-bridge' ); ?></button>
			</form>
		<?php endif; ?>
		<?php
		if ( $view['may_create'] ) {
			$form( 'create', __( 'Новый вебинар', 'whieda-bridge' ), 'whieda-button whieda-button--secondary', 0 );
		}
		?>
	</div>

	<?php if ( ! $webinar ) : ?>
		<p class="whieda-empty"><?php esc_html_e( 'Вебинаров пока нет. Создайте первый.', 'whieda-bridge' ); ?></p>
	<?php else : ?>
		<?php $room = $view['room']; ?>
		<?php // One form: every command sends the fields too, so what the speaker typed is saved first (never lost). ?>
		<form method="post" action="<?php echo esc_url( $action ); ?>" class="whieda-console__main" data-whieda-console-form>
			<input type="hidden" name="action" value="<?php echo esc_attr( Whieda_Admin_Console::ACTION ); ?>">
			<input type="hidden" name="webinar_id" value="<?php echo esc_attr( (string) $webinar['id'] ); ?>">
			<?php wp_nonce_field( Whieda_Admin_Console::ACTION . '_' . $webinar['id'] ); ?>
			<?php // Enter in a field saves (the form's first button), it never starts or stops the webinar. ?>
			<button type="submit" name="command" value="save" class="screen-reader-text" tabindex="-1"><?php esc_html_e( 'Сохранить', 'whieda-bridge' ); ?></button>
			<?php if ( 'publish' !== get_post_status( $webinar['id'] ) ) : ?>
				<div class="whieda-notice whieda-console__draft">
					<p><?php esc_html_e( 'Это черновик: участники его не видят, и участие в нём не засчитывается.', 'whieda-bridge' ); ?></p>
					<?php if ( $view['may_publish'] ) : ?>
						<button type="submit" name="command" value="publish" class="whieda-button" data-command="publish"><?php esc_html_e( 'Опубликовать', 'whieda-bridge' ); ?></button>
					<?php endif; ?>
				</div>
			<?php endif; ?>
		<section class="whieda-console__live" data-whieda-console data-status="<?php echo esc_attr( $room['status'] ); ?>"
			data-state-url="<?php echo esc_url( $view['stateUrl'] ); ?>" data-fallback-url="<?php echo esc_url( $view['fallback'] ); ?>"
			aria-labelledby="whieda-console-live">
			<h3 id="whieda-console-live"><?php echo esc_html( $webinar['title'] ); ?></h3>
			<p class="whieda-console__state" role="status" aria-live="polite">
				<?php esc_html_e( 'Сейчас:', 'whieda-bridge' ); ?>
				<strong data-show-when="scheduled"<?php echo 'scheduled' === $room['status'] ? '' : ' hidden'; ?>><?php esc_html_e( 'эфир не начат', 'whieda-bridge' ); ?></strong>
				<strong data-show-when="live"<?php echo 'live' === $room['status'] ? '' : ' hidden'; ?>><span class="whieda-dot" aria-hidden="true"></span><?php esc_html_e( 'идёт эфир', 'whieda-bridge' ); ?></strong>
				<strong data-show-when="ended"<?php echo 'ended' === $room['status'] ? '' : ' hidden'; ?>><?php esc_html_e( 'эфир завершён', 'whieda-bridge' ); ?></strong>
				<span class="whieda-console__cta-state">
					<span data-cta-when="1"<?php echo $room['cta_visible'] ? '' : ' hidden'; ?>><?php esc_html_e( 'кнопка действия показана участникам', 'whieda-bridge' ); ?></span>
					<span data-cta-when="0"<?php echo $room['cta_visible'] ? ' hidden' : ''; ?>><?php esc_html_e( 'кнопка действия скрыта', 'whieda-bridge' ); ?></span>
				</span>
			</p>
			<div class="whieda-console__commands">
				<?php
				$command = function ( $name, $label, $class, $show_when = '', $confirm = '' ) use ( $room ) {
					$shown = '' === $show_when || in_array( $room['status'], explode( ' ', $show_when ), true );
					?>
					<button type="submit" name="command" value="<?php echo esc_attr( $name ); ?>" class="<?php echo esc_attr( $class ); ?>" data-command="<?php echo esc_attr( $name ); ?>"
						<?php echo '' !== $show_when ? ' data-show-when="' . esc_attr( $show_when ) . '"' : ''; ?><?php echo $shown ? '' : ' hidden'; ?>
						<?php echo '' !== $confirm ? ' data-confirm="' . esc_attr( $confirm ) . '"' : ''; ?>><?php echo esc_html( $label ); ?></button>
					<?php
				};
				$command( 'start', __( 'Начать эфир', 'whieda-bridge' ), 'whieda-button', 'scheduled live' );
				$command( 'restart', __( 'Начать эфир заново', 'whieda-bridge' ), 'whieda-button', 'ended', __( 'Эфир уже завершён. Начать его заново? Участники снова увидят трансляцию вместо экранов завершения.', 'whieda-bridge' ) );
				$command( 'stop', __( 'Завершить эфир', 'whieda-bridge' ), 'whieda-button whieda-button--danger', '', __( 'Завершить эфир? Участники увидят экраны завершения, трансляция для них закончится.', 'whieda-bridge' ) );
				$command( 'cta_show', __( 'Показать кнопку', 'whieda-bridge' ), 'whieda-button whieda-button--secondary' );
				$command( 'cta_hide', __( 'Скрыть кнопку', 'whieda-bridge' ), 'whieda-button whieda-button--secondary' );
				?>
			</div>
			<?php if ( $view['may_edit'] ) : ?>
				<p class="whieda-hint"><?php esc_html_e( 'Каждая команда сначала сохраняет поля ниже.', 'whieda-bridge' ); ?></p>
			<?php endif; ?>
		</section>

		<?php Whieda_Console_Live::render_block( $webinar['id'] ); // Who is in the room now (issue 16's block). ?>

		<div class="whieda-console__fields">
			<h3><?php esc_html_e( 'Поля вебинара', 'whieda-bridge' ); ?></h3>
			<?php if ( ! $view['may_edit'] ) : ?>
				<p class="whieda-notice" id="whieda-f-readonly"><?php esc_html_e( 'Поля этого вебинара меняют его автор и редакторы сайта; вам они видны для справки. Эфир и кнопку действия вы можете вести сами.', 'whieda-bridge' ); ?></p>
			<?php endif; ?>
			<fieldset class="whieda-console__fieldset"<?php echo $view['may_edit'] ? '' : ' disabled aria-describedby="whieda-f-readonly"'; ?>>
			<p><label for="whieda-f-title"><?php esc_html_e( 'Название', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-title" name="title" type="text" required value="<?php echo esc_attr( $webinar['title'] ); ?>"></p>
			<p><label for="whieda-f-starts"><?php esc_html_e( 'Дата и время начала', 'whieda-bridge' ); ?>
				<span class="whieda-hint"><?php echo esc_html( sprintf( /* translators: %s: the site's timezone. */ __( 'часовой пояс сайта: %s', 'whieda-bridge' ), wp_timezone_string() ) ); ?></span></label>
				<input id="whieda-f-starts" name="starts_at" type="datetime-local" value="<?php echo esc_attr( $webinar['starts_at'] ? wp_date( 'Y-m-d\TH:i', $webinar['starts_at'] ) : '' ); ?>"></p>
			<p><label for="whieda-f-poster"><?php esc_html_e( 'Постер (адрес картинки)', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-poster" name="poster" type="text" inputmode="url" value="<?php echo esc_attr( $webinar['poster'] ); ?>"></p>
			<p><label for="whieda-f-stream"><?php esc_html_e( 'Тип трансляции', 'whieda-bridge' ); ?></label>
				<select id="whieda-f-stream" name="stream_type" aria-describedby="whieda-f-stream-hint">
					<option value="obs" <?php selected( $webinar['stream_type'], 'obs' ); ?>><?php esc_html_e( 'OBS — чат на сайте', 'whieda-bridge' ); ?></option>
					<option value="zoom" <?php selected( $webinar['stream_type'], 'zoom' ); ?>><?php esc_html_e( 'Zoom — чат в Zoom', 'whieda-bridge' ); ?></option>
					<option value="telegram" <?php selected( $webinar['stream_type'], 'telegram' ); ?>><?php esc_html_e( 'Telegram — чат в группе Telegram', 'whieda-bridge' ); ?></option>
				</select>
				<span id="whieda-f-stream-hint" class="whieda-hint"><?php esc_html_e( 'Для Zoom и Telegram чат на сайте не показывается: у вебинара один чат.', 'whieda-bridge' ); ?></span></p>
			<p><label for="whieda-f-player"><?php esc_html_e( 'Плеер (iframe)', 'whieda-bridge' ); ?></label>
				<textarea id="whieda-f-player" name="player_embed" rows="3"><?php echo esc_textarea( $webinar['player_embed'] ); ?></textarea></p>
			<?php $preview( $webinar['player_embed'] ); ?>
			<p><label for="whieda-f-chat"><?php esc_html_e( 'Чат на сайте (iframe, только для OBS)', 'whieda-bridge' ); ?></label>
				<textarea id="whieda-f-chat" name="chat_embed" rows="3"><?php echo esc_textarea( $webinar['chat_embed'] ); ?></textarea></p>
			<?php $preview( $webinar['chat_embed'] ); ?>
			<p><label for="whieda-f-external"><?php esc_html_e( 'Ссылка на Zoom или группу Telegram', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-external" name="external_url" type="text" inputmode="url" value="<?php echo esc_attr( $webinar['external_url'] ); ?>"></p>
			<p><label for="whieda-f-presentation"><?php esc_html_e( 'Презентация (iframe)', 'whieda-bridge' ); ?></label>
				<textarea id="whieda-f-presentation" name="presentation" rows="3"><?php echo esc_textarea( $webinar['presentation'] ); ?></textarea></p>
			<?php $preview( $webinar['presentation'] ); ?>
			<p><label for="whieda-f-cta-label"><?php esc_html_e( 'Текст кнопки действия', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-cta-label" name="cta_label" type="text" value="<?php echo esc_attr( $webinar['cta_label'] ); ?>"></p>
			<p><label for="whieda-f-cta-url"><?php esc_html_e( 'Ссылка кнопки действия', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-cta-url" name="cta_url" type="text" inputmode="url" value="<?php echo esc_attr( $webinar['cta_url'] ); ?>"></p>
			<p><label for="whieda-f-recording"><?php esc_html_e( 'Ссылка на запись (после эфира)', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-recording" name="recording_url" type="text" inputmode="url" value="<?php echo esc_attr( $webinar['recording_url'] ); ?>"></p>
			<p><button type="submit" name="command" value="save" class="whieda-button"><?php esc_html_e( 'Сохранить', 'whieda-bridge' ); ?></button></p>
			</fieldset>
		</div>
		</form>
	<?php endif; ?>
</div>
